/**
 * Child-process consumer: hosts one instance of a mechanism so the multi-instance
 * drain runs on really separate instances (own event loop, own connections).
 * Reports every handler run back to the bench in small batches; the bench
 * counts duplicates across instances. Started by consumer-host.ts, never by hand.
 */
import { calibrateClock } from './clock';
import type { FromWorker, ToWorker } from './drain-protocol';
import { loadMechanism } from './mechanisms';
import type { Endpoint } from './mechanisms/mechanism';

/** How often buffered fire records are shipped to the bench. */
const FLUSH_INTERVAL_MS = 50;

let endpoint: Endpoint | undefined;
let stopping = false;
let indices: number[] = [];
let firedAt: number[] = [];
const flushTimer = setInterval(flush, FLUSH_INTERVAL_MS);

function send(message: FromWorker): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send?.(message, undefined, {}, () => resolve());
  });
}

function flush(): Promise<void> {
  if (indices.length === 0) return Promise.resolve();
  const batch: FromWorker = { type: 'fired', indices, firedAt };
  indices = [];
  firedAt = [];
  return send(batch);
}

async function start(message: Extract<ToWorker, { type: 'start' }>): Promise<void> {
  calibrateClock();
  const mechanism = await loadMechanism(message.mechanism, message.settings);
  endpoint = await mechanism.open(message.url, (index, time) => {
    indices.push(index);
    firedAt.push(time);
  });
  await send({ type: 'ready' });
}

async function stop(code: number): Promise<void> {
  if (stopping) return;
  stopping = true;
  clearInterval(flushTimer);
  try {
    await endpoint?.close();
  } catch (error) {
    console.error(`[drain-worker] close failed: ${String(error)}`);
  }
  await flush();
  await send({ type: 'stopped' });
  process.exit(code);
}

process.on('message', (message: ToWorker) => {
  if (message.type === 'start') {
    start(message).catch(async (error: unknown) => {
      await send({
        type: 'failed',
        message: error instanceof Error ? (error.stack ?? error.message) : String(error),
      });
      await stop(1);
    });
  } else if (message.type === 'stop') {
    void stop(0);
  }
});

// The bench went away (crash, Ctrl-C): never linger as an orphan holding connections.
process.on('disconnect', () => void stop(0));
