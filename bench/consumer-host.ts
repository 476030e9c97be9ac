/**
 * Runs a consumer of a mechanism either inside the bench process or in a
 * forked child (drain-worker.ts), and feeds every handler run into the case's FireLog.
 */
import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { onCleanup } from './cleanup';
import type { FromWorker, ToWorker } from './drain-protocol';
import type { FireLog } from './fire-log';
import type { MechanismId, MechanismSettings } from './mechanisms/mechanism';

const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;

/** One consumer instance in its own process. */
export class ChildConsumer {
  private constructor(
    private readonly child: ChildProcess,
    private readonly exited: Promise<void>,
    /** Resolves on the worker's 'stopped' message, which it sends after its last 'fired' batch. */
    private readonly drained: Promise<void>,
    private readonly release: () => void,
  ) {}

  /** Forks a worker, starts the mechanism in it and resolves once it reports ready. */
  static async start(
    mechanism: MechanismId,
    settings: MechanismSettings,
    url: string,
    log: FireLog,
    instance: number,
  ): Promise<ChildConsumer> {
    // Under ts-node the worker is TypeScript too; same project, type-checking off for a fast start.
    const compiled = !__filename.endsWith('.ts');
    const child = fork(join(__dirname, compiled ? 'drain-worker.js' : 'drain-worker.ts'), [], {
      execArgv: compiled ? [] : ['-r', 'ts-node/register'],
      env: {
        ...process.env,
        TS_NODE_PROJECT: join(__dirname, 'tsconfig.json'),
        TS_NODE_TRANSPILE_ONLY: 'true',
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const release = onCleanup(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    const drained = new Promise<void>((resolve) => {
      child.on('message', (message: FromWorker) => message.type === 'stopped' && resolve());
      void exited.then(resolve);
    });

    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${mechanism} worker not ready in ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS,
      );
      child.on('message', (message: FromWorker) => {
        if (message.type === 'fired') {
          for (let k = 0; k < message.indices.length; k += 1) {
            log.record(message.indices[k], message.firedAt[k], instance);
          }
        } else if (message.type === 'ready') {
          clearTimeout(timer);
          resolve();
        } else if (message.type === 'failed') {
          clearTimeout(timer);
          reject(new Error(`${mechanism} worker failed: ${message.message}`));
        }
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${mechanism} worker exited (code ${code}) before it was ready`));
      });
    });

    const consumer = new ChildConsumer(child, exited, drained, release);
    const start: ToWorker = { type: 'start', mechanism, settings, url };
    child.send(start);
    try {
      await ready;
    } catch (error) {
      await consumer.stop();
      throw error;
    }
    return consumer;
  }

  /** Asks the worker to close its instance and report its last fires; kills it if it hangs. */
  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const stop: ToWorker = { type: 'stop' };
      if (this.child.connected) this.child.send(stop);
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      // IPC may still hold fire batches when 'exit' is seen; 'stopped' comes after the last one.
      await this.drained;
      await this.exited;
      clearTimeout(timer);
    }
    this.release();
  }
}
