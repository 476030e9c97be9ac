/**
 * Starts and stops throwaway `redis-server` processes on free loopback ports:
 * what `startTestRedis` (nestjs-delay-task/testing) gives users, and what the
 * project's own tests, sample and benchmark build on (TLS, Sentinel, cluster
 * nodes). Servers are stopped by pid — never through a Redis command — so a
 * test can never touch a Redis it did not start.
 */
import { ChildProcess, spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as connectTls } from 'node:tls';
import { RedisServerNotFoundError } from './redis-server-not-found.error';

export type RedisConfig = Record<string, string | number>;

/** AOF with an fsync per write: a write whose reply has arrived is on disk, so a SIGKILL loses none of them. */
export const DURABLE_CONFIG: RedisConfig = { appendonly: 'yes', appendfsync: 'always' };

/**
 * PEM files of a server that speaks TLS only. The readiness probe trusts `caFile` and
 * presents the server's own certificate, so it gets in whether or not clients must
 * authenticate (`tls-auth-clients`).
 */
export interface RedisTlsFiles {
  certFile: string;
  keyFile: string;
  /** The CA that signed `certFile`. */
  caFile: string;
}

export interface RedisServerOptions {
  /** Extra configuration, passed as `--name value` arguments. */
  config?: RedisConfig;
  /** Port to listen on; a free one is picked when omitted. */
  port?: number;
  /** Working directory (RDB/AOF files); a fresh temporary one when omitted. */
  dir?: string;
  /** Path of the redis-server binary. @default 'redis-server' (from PATH) */
  binary?: string;
  /** A configuration file read before the `--name value` arguments (a Sentinel needs one it can rewrite). */
  configFile?: string;
  /** Run as a Sentinel (`redis-server <configFile> --sentinel`). */
  sentinel?: boolean;
  /** Serve TLS only: `--tls-port` on the port, `--port 0`. */
  tls?: RedisTlsFiles;
}

const HOST = '127.0.0.1';

/** Asks the kernel for a free loopback TCP port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Whether a `redis-server` binary can be executed. */
export function redisServerAvailable(binary = 'redis-server'): boolean {
  try {
    execFileSync(binary, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Another program's server answered on the port picked for ours (it was taken between freePort() and the bind). */
class PortTakenError extends Error {}

/** Opens a connection to `port` and calls `onConnect` once it can carry commands. */
function openSocket(port: number, tls: RedisTlsFiles | undefined, onConnect: () => void): Socket {
  if (!tls) return new Socket().connect(port, HOST, onConnect);
  const [ca, cert, key] = [tls.caFile, tls.certFile, tls.keyFile].map((file) => readFileSync(file));
  return connectTls({ host: HOST, port, ca, cert, key }, onConnect);
}

/** What the server on `port` says its pid is (`INFO server`), or null if nothing answers yet. */
function askPid(port: number, tls?: RedisTlsFiles): Promise<number | null> {
  return new Promise((resolve) => {
    let reply = '';
    const socket = openSocket(port, tls, () => socket.write('INFO server\r\n'));
    const done = (pid: number | null) => {
      socket.destroy();
      resolve(pid);
    };
    socket.setTimeout(500, () => done(null));
    socket.once('error', () => done(null));
    socket.on('data', (data) => {
      reply += data.toString();
      const match = /process_id:(\d+)/.exec(reply);
      if (match) done(Number(match[1]));
      else if (reply.startsWith('-')) done(null); // still loading: -LOADING
    });
  });
}

/**
 * Waits until the server we spawned answers. Checking the pid, not just a
 * PONG, matters on a shared machine: another test run's server may have
 * bound the port first, and we must never talk to a Redis we did not start.
 */
async function waitForOwnServer(
  port: number,
  deadline: number,
  child: ChildProcess,
  tls?: RedisTlsFiles,
): Promise<void> {
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      const pid = await askPid(port, tls);
      if (pid !== null)
        throw new PortTakenError(`port ${port} is taken by redis-server pid ${pid}`);
      throw new Error(`redis-server on port ${port} exited with code ${child.exitCode}`);
    }
    const pid = await askPid(port, tls);
    if (pid === child.pid) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`redis-server on port ${port} did not answer in time`);
}

/** Servers still running: killed if this process exits without stopping them (a crashed test run). */
const live = new Set<ChildProcess>();
process.once('exit', () => live.forEach((child) => child.kill('SIGKILL')));

/** How often start() picks another port when the one it picked was taken meanwhile. */
const PORT_ATTEMPTS = 5;

export class RedisServer {
  private child: ChildProcess;
  private readonly ownsDir: boolean;

  private constructor(
    child: ChildProcess,
    readonly port: number,
    readonly dir: string,
    private readonly options: RedisServerOptions,
    ownsDir: boolean,
  ) {
    this.child = child;
    this.ownsDir = ownsDir;
  }

  /** Starts a server and resolves once it answers PING. */
  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const binary = options.binary ?? 'redis-server';
    if (!redisServerAvailable(binary)) throw new RedisServerNotFoundError(binary);
    const ownsDir = options.dir === undefined;
    const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'delay-task-redis-'));
    for (let attempt = 1; ; attempt++) {
      const port = options.port ?? (await freePort());
      try {
        const child = await RedisServer.spawnProcess(port, dir, options);
        return new RedisServer(child, port, dir, options, ownsDir);
      } catch (error) {
        const retry = error instanceof PortTakenError && options.port === undefined;
        if (!retry || attempt >= PORT_ATTEMPTS) {
          if (ownsDir) rmSync(dir, { recursive: true, force: true });
          throw error;
        }
      }
    }
  }

  private static async spawnProcess(
    port: number,
    dir: string,
    options: RedisServerOptions,
  ): Promise<ChildProcess> {
    const { tls } = options;
    const listen: RedisConfig = tls
      ? {
          port: 0,
          'tls-port': port,
          'tls-cert-file': tls.certFile,
          'tls-key-file': tls.keyFile,
          'tls-ca-cert-file': tls.caFile,
        }
      : { port };
    const config: RedisConfig = {
      bind: HOST,
      ...listen,
      dir,
      save: '',
      appendonly: 'no',
      'protected-mode': 'no',
      loglevel: 'warning',
      logfile: join(dir, 'redis.log'),
      ...options.config,
    };
    const args = Object.entries(config).flatMap(([name, value]) => [`--${name}`, String(value)]);
    if (options.sentinel) args.unshift('--sentinel');
    if (options.configFile) args.unshift(options.configFile);
    const child = spawn(options.binary ?? 'redis-server', args, { stdio: 'ignore' });
    child.on('error', () => undefined);
    live.add(child);
    child.once('exit', () => live.delete(child));
    try {
      await waitForOwnServer(port, Date.now() + 10_000, child, tls);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    }
    return child;
  }

  get host(): string {
    return HOST;
  }

  /** `redis://host:port`, or `rediss://` for a TLS server. */
  get url(): string {
    return `${this.options.tls ? 'rediss' : 'redis'}://${HOST}:${this.port}`;
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Stops the server gracefully (SIGTERM by pid) and removes its temporary directory. */
  async stop(): Promise<void> {
    await this.signal('SIGTERM');
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }

  /** Kills the server without giving it a chance to save (SIGKILL by pid). */
  async kill(): Promise<void> {
    await this.signal('SIGKILL');
  }

  /** Stops (SIGTERM, so the AOF is flushed) and starts again on the same port and directory. */
  async restart(): Promise<void> {
    await this.signal('SIGTERM');
    this.child = await RedisServer.spawnProcess(this.port, this.dir, this.options);
  }

  /** Starts the server again after `kill()` or a signal, on the same port and directory. */
  async revive(): Promise<void> {
    if (this.running) return;
    this.child = await RedisServer.spawnProcess(this.port, this.dir, this.options);
  }

  private async signal(signal: NodeJS.Signals): Promise<void> {
    if (!this.running) return;
    const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.child.kill(signal);
    await exited;
  }
}
