/**
 * Runs an app instance in a child process (`worker-main.ts`), so tests can
 * have several instances at once and kill one with SIGKILL, as a crash would.
 * The child reports each delivery over IPC; the parent stamps every report
 * with its own clock on arrival (`receivedAt`).
 */
import { ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { DelayTaskModuleOptions, ExpiredKeySource, OnKeyExpiredOptions } from '../../lib';

const REPO_ROOT = resolve(__dirname, '..', '..');
const WORKER_MAIN = join(__dirname, 'worker-main.ts');
const CLOCK_SKEW = join(__dirname, 'clock-skew.ts');

/** What the child's handler does with a delivery: resolve at once, never, after ms, or after a random ms in a range. */
export type WorkerMode =
  'record' | 'hang' | 'signal' | `slow:${number}` | `slow:${number}-${number}`;

/** Module options a worker can take (JSON: no functions, no client instances). */
export type WorkerModuleOptions = Omit<
  Partial<DelayTaskModuleOptions>,
  'connection' | 'prefix' | 'backoff'
> & {
  backoff?: { type: 'fixed' | 'exponential'; delay: number };
};

export interface WorkerStartOptions {
  redisUrl: string;
  prefix: string;
  /** Pattern of the worker's one `@OnKeyExpired` handler. */
  pattern: string;
  /** @default 'record' */
  mode?: WorkerMode;
  /** Module options; `keyspaceEvents` defaults to false in workers. */
  options?: WorkerModuleOptions;
  /** Options of the worker's `@OnKeyExpired` decorator. */
  handlerOptions?: OnKeyExpiredOptions;
  /** Run the child's wall clock this far ahead (negative: behind). */
  clockSkewMs?: number;
  /** Extra environment for the child. */
  env?: Record<string, string>;
  /** A name for logs. */
  name?: string;
  /** @default 30000 */
  readyTimeoutMs?: number;
}

/** A handler started (`handled`) or resolved (`completed`) in the child. */
export interface HandlerReport {
  type: 'handled' | 'completed';
  key: string;
  attempt: number;
  dueAt?: number;
  firedAt: number;
  source: ExpiredKeySource;
  scheduled: boolean;
  /** An occurrence of a recurring series. */
  recurring: boolean;
  pid: number;
  /** The child's `Date.now()` when it sent the report (skewed when the child's clock is). */
  localNow: number;
  /** The parent's `Date.now()` when the report arrived. */
  receivedAt: number;
  worker: string;
}

export interface OtherReport {
  type: 'ready' | 'closing' | 'closed' | 'fatal' | 'mode' | 'exit' | 'aborted';
  receivedAt: number;
  worker: string;
  [field: string]: unknown;
}

export type WorkerReport = HandlerReport | OtherReport;

export const isHandled = (report: WorkerReport): report is HandlerReport =>
  report.type === 'handled';

let counter = 0;

export class WorkerProcess {
  /** Every report received, in arrival order. */
  readonly events: WorkerReport[] = [];
  /** Resolves when the child has exited. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private waiters: Array<() => void> = [];
  private readonly output: string[] = [];

  private constructor(
    private readonly child: ChildProcess,
    readonly name: string,
  ) {
    child.on('message', (message: Record<string, unknown>) => {
      this.record({ ...message, receivedAt: Date.now(), worker: name } as WorkerReport);
    });
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString());
      if (this.output.length > 200) this.output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        this.record({ type: 'exit', code, signal, receivedAt: Date.now(), worker: name });
        resolve({ code, signal });
      }),
    );
  }

  /** Spawns a worker and resolves once its app is initialised (`ready`). */
  static async start(options: WorkerStartOptions): Promise<WorkerProcess> {
    const name = options.name ?? `worker${++counter}`;
    const preload = ['-r', 'ts-node/register/transpile-only'];
    if (options.clockSkewMs) preload.push('-r', CLOCK_SKEW);
    const child = spawn(process.execPath, [...preload, WORKER_MAIN], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      env: {
        ...process.env,
        TS_NODE_PROJECT: join(REPO_ROOT, 'test', 'tsconfig.json'),
        REDIS_URL: options.redisUrl,
        PREFIX: options.prefix,
        PATTERN: options.pattern,
        MODE: options.mode ?? 'record',
        DT_OPTIONS: JSON.stringify(options.options ?? {}),
        HANDLER_OPTIONS: JSON.stringify(options.handlerOptions ?? {}),
        CLOCK_SKEW_MS: String(options.clockSkewMs ?? 0),
        ...options.env,
      },
    });
    const worker = new WorkerProcess(child, name);
    try {
      await worker.waitFor((r) => r.type === 'ready', options.readyTimeoutMs ?? 30_000, 'ready');
    } catch (error) {
      await worker.kill();
      throw error;
    }
    return worker;
  }

  /** Starts several workers side by side. */
  static async startMany(count: number, options: WorkerStartOptions): Promise<WorkerProcess[]> {
    const settled = await Promise.allSettled(
      Array.from({ length: count }, (_, i) =>
        WorkerProcess.start({ ...options, name: `${options.name ?? 'worker'}${i + 1}` }),
      ),
    );
    const started = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      await Promise.all(started.map((w) => w.kill()));
      throw failed.reason;
    }
    return started;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** `handled` reports: one per delivery this worker started. */
  get handled(): HandlerReport[] {
    return this.events.filter(isHandled);
  }

  /** Resolves with the first report matching `test` (one already received counts); rejects after `timeoutMs`. */
  waitFor(
    test: (report: WorkerReport) => boolean,
    timeoutMs = 15_000,
    what = 'a report',
  ): Promise<WorkerReport> {
    return this.until(() => this.events.find(test), timeoutMs, what);
  }

  /** Resolves once `test` holds on all reports so far; rejects after `timeoutMs`. */
  waitUntil(
    test: (reports: WorkerReport[]) => boolean,
    timeoutMs = 15_000,
    what = 'reports',
  ): Promise<void> {
    return this.until(() => (test(this.events) ? true : undefined), timeoutMs, what).then(
      () => undefined,
    );
  }

  /** Changes what the child's handler does with later deliveries; resolves once the child confirmed. */
  async setMode(mode: WorkerMode): Promise<void> {
    const since = this.events.length;
    this.child.send({ type: 'mode', mode });
    await this.until(
      () => this.events.slice(since).find((r) => r.type === 'mode' && r.mode === mode),
      5_000,
      `mode ${mode}`,
    );
  }

  /** Sends a signal (SIGKILL by default: a crash) and resolves once the child is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.running) this.child.kill(signal);
    await this.exited;
  }

  /**
   * SIGTERM: the child closes its app (waiting for handlers up to its
   * shutdownTimeoutMs) and exits. SIGKILL after `timeoutMs` if it has not.
   */
  async stop(timeoutMs = 15_000): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.running && this.child.kill('SIGKILL'), timeoutMs);
    await this.exited;
    clearTimeout(timer);
  }

  /** The child's recent stdout/stderr, for failure messages. */
  get log(): string {
    return this.output.join('');
  }

  private record(report: WorkerReport): void {
    this.events.push(report);
    const waiters = this.waiters;
    this.waiters = [];
    waiters.forEach((check) => check());
  }

  private until<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== check);
        const fatal = this.events.find((r): r is OtherReport => r.type === 'fatal');
        reject(
          new Error(
            `${this.name}: timed out after ${timeoutMs} ms waiting for ${what}` +
              (fatal ? `; child failed: ${String(fatal.error)}` : '') +
              (this.running ? '' : '; child has exited') +
              `\n--- child output ---\n${this.log.slice(-4000)}`,
          ),
        );
      }, timeoutMs);
      const check = () => {
        const found = probe();
        if (found !== undefined) {
          clearTimeout(timer);
          resolve(found);
          return;
        }
        if (!this.running && this.events.some((r) => r.type === 'exit')) {
          // Nothing more will arrive; fail fast instead of waiting out the deadline.
          clearTimeout(timer);
          reject(
            new Error(
              `${this.name}: exited while waiting for ${what}\n--- child output ---\n${this.log.slice(-4000)}`,
            ),
          );
          return;
        }
        this.waiters.push(check);
      };
      check();
    });
  }
}

/** Resolves once `test` holds over the reports of all `workers` together. */
export function waitForAll(
  workers: WorkerProcess[],
  test: (reports: WorkerReport[]) => boolean,
  timeoutMs = 15_000,
  what = 'reports',
): Promise<void> {
  const all = () => workers.flatMap((w) => w.events);
  if (test(all())) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const poll = setInterval(() => {
      if (!test(all())) return;
      clearInterval(poll);
      clearTimeout(timer);
      resolve();
    }, 5);
    const timer = setTimeout(() => {
      clearInterval(poll);
      reject(
        new Error(
          `timed out after ${timeoutMs} ms waiting for ${what}; got ${all().filter(isHandled).length} handled`,
        ),
      );
    }, timeoutMs);
  });
}

/** Kills every worker that is still running (cleanup: never leaves a child behind). */
export async function killAll(workers: Array<WorkerProcess | undefined>): Promise<void> {
  await Promise.all(workers.map((w) => w?.kill('SIGKILL')));
}
