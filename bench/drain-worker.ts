/**
 * Child-process consumer: hosts one instance of a mechanism at a time so the
 * multi-instance drain runs on really separate instances (own event loop, own
 * connections). Reports every handler run back to the bench in small batches;
 * the bench counts duplicates across instances. The process outlives the
 * endpoint, so the next case reuses it warm. Started by consumer-process.ts,
 * never by hand.
 */
import { calibrateClock } from './clock';
import { usageOf } from './consumer-usage';
import type { FromWorker, ToWorker } from './drain-protocol';
import { loadMechanism } from './mechanisms';
import type { Endpoint } from './mechanisms/mechanism';

/** How often buffered fire records are shipped to the bench. */
const FLUSH_INTERVAL_MS = 50;

let endpoint: Endpoint | undefined;
let indices: number[] = [];
let firedAt: number[] = [];
setInterval(() => void flush(), FLUSH_INTERVAL_MS);

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
  try {
    calibrateClock();
    const mechanism = await loadMechanism(message.row);
    endpoint = await mechanism.open(
      message.url,
      (index, time) => {
        indices.push(index);
        firedAt.push(time);
      },
      message.tuning,
    );
    await send({ type: 'ready' });
  } catch (error) {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    await send({ type: 'failed', message: text });
  }
}

/** Closes the endpoint, then ships its last fires: nothing of it arrives after 'stopped'. */
async function stop(): Promise<void> {
  const closing = endpoint;
  endpoint = undefined;
  try {
    await closing?.close();
  } catch (error) {
    console.error(`[drain-worker] close failed: ${String(error)}`);
  }
  await flush();
}

// Requests are handled strictly one after another, so a 'stop' never overtakes a 'start'.
let queue = Promise.resolve();
process.on('message', (message: ToWorker) => {
  queue = queue.then(async () => {
    switch (message.type) {
      case 'start':
        return start(message);
      case 'usage':
        return send({ type: 'usage', usage: usageOf(endpoint) });
      case 'stop':
        await stop();
        return send({ type: 'stopped' });
    }
  });
});

// The bench is done with this process (or went away): close what is open and leave.
process.on('disconnect', () => {
  queue = queue.then(stop).finally(() => process.exit(0));
});
