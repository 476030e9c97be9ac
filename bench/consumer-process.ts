/**
 * One consumer instance in a child process of its own (drain-worker.ts): the
 * bench asks it to open a mechanism's endpoint, receives every handler run it
 * reports, and asks it to close the endpoint again.
 */
import { ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import type { ConsumerUsage } from './consumer-usage';
import type { FromWorker, ToWorker } from './drain-protocol';
import type { ConsumerTuning, FireListener, MechanismRow } from './mechanisms/mechanism';

/** Covers the first start, which loads (and, under ts-node, compiles) every mechanism. */
const READY_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 15_000;
const USAGE_TIMEOUT_MS = 5_000;
const EXIT_TIMEOUT_MS = 5_000;

type Reply = Exclude<FromWorker, { type: 'fired' }>;

export class ConsumerProcess {
  private readonly child: ChildProcess;
  private readonly exited: Promise<void>;
  /** Settles the request in progress; requests never overlap. */
  private awaiting: ((reply: Reply | undefined) => void) | undefined;
  private onFire: FireListener | undefined;
  private started = false;

  constructor() {
    // Under ts-node the worker is TypeScript too; same project, type-checking off for a fast start.
    const compiled = !__filename.endsWith('.ts');
    this.child = fork(join(__dirname, compiled ? 'drain-worker.js' : 'drain-worker.ts'), [], {
      execArgv: compiled ? [] : ['-r', 'ts-node/register'],
      env: {
        ...process.env,
        TS_NODE_PROJECT: join(__dirname, 'tsconfig.json'),
        TS_NODE_TRANSPILE_ONLY: 'true',
      },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.exited = new Promise((resolve) =>
      this.child.once('exit', () => {
        this.awaiting?.(undefined);
        resolve();
      }),
    );
    // Without a listener, a failed send to a dead child would throw from an event.
    this.child.on('error', (error) => console.error(`[consumer] ${error.message}`));
    this.child.on('message', (message: FromWorker) => {
      if (message.type === 'fired') {
        for (let k = 0; k < message.indices.length; k += 1)
          this.onFire?.(message.indices[k], message.firedAt[k]);
      } else {
        this.awaiting?.(message);
      }
    });
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Opens the mechanism row in the child; resolves once its consumer is ready to receive. */
  async start(
    row: MechanismRow,
    url: string,
    onFire: FireListener,
    tuning?: ConsumerTuning,
  ): Promise<void> {
    this.onFire = onFire;
    this.started = true;
    const reply = await this.request({ type: 'start', row, url, tuning }, READY_TIMEOUT_MS);
    if (reply?.type === 'ready') return;
    throw new Error(
      reply?.type === 'failed'
        ? `${row.kind} consumer failed: ${reply.message}`
        : `${row.kind} consumer did not get ready (process ${this.alive ? 'hung' : 'exited'})`,
    );
  }

  /** What the child has spent so far: its CPU time and claim calls. */
  async usage(): Promise<ConsumerUsage> {
    const reply = await this.request({ type: 'usage' }, USAGE_TIMEOUT_MS);
    if (reply?.type === 'usage') return reply.usage;
    throw new Error(
      `a consumer process did not report its usage (${this.alive ? 'hung' : 'exited'})`,
    );
  }

  /**
   * Closes the endpoint; resolves after the child reported its last fires.
   * A child that does not answer in time is killed (the pool replaces it)
   * and the stop fails: fires it had not reported yet are lost to the case.
   */
  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    const reply = await this.request({ type: 'stop' }, STOP_TIMEOUT_MS);
    this.onFire = undefined;
    if (reply?.type === 'stopped') return;
    this.child.kill('SIGKILL');
    throw new Error(`a consumer process did not stop within ${STOP_TIMEOUT_MS} ms; killed`);
  }

  /** Ends the process: it closes whatever is open and exits; killed if it lingers. */
  async exit(): Promise<void> {
    if (!this.alive) return;
    const timer = setTimeout(() => this.child.kill('SIGKILL'), EXIT_TIMEOUT_MS);
    if (this.child.connected) this.child.disconnect();
    else this.child.kill('SIGKILL');
    await this.exited;
    clearTimeout(timer);
  }

  /** Sends a request and resolves with its reply, or undefined if the child exits or times out. */
  private request(message: ToWorker, timeoutMs: number): Promise<Reply | undefined> {
    if (!this.alive || !this.child.connected) return Promise.resolve(undefined);
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(undefined), timeoutMs);
      const settle = (reply: Reply | undefined) => {
        clearTimeout(timer);
        this.awaiting = undefined;
        resolve(reply);
      };
      this.awaiting = settle;
      this.child.send(message);
    });
  }
}
