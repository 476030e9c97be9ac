import { RedisServer } from './redis-server';

/** A throwaway `redis-server` of a test's own. */
export interface TestRedis {
  /** `redis://127.0.0.1:<port>`: pass it as the module's `connection`. */
  readonly url: string;
  readonly port: number;
  /** Stops the server (by pid) and deletes its data directory. */
  stop(): Promise<void>;
}

export interface StartTestRedisOptions {
  /** Path of the redis-server binary. @default 'redis-server' (from PATH) */
  binary?: string;
  /** Extra server configuration, as `--name value` arguments (e.g. `{ appendonly: 'yes' }`). */
  config?: Record<string, string | number>;
}

/**
 * Starts a `redis-server` on a free loopback port, with nothing persisted, for
 * one test file or test: a Redis no other test touches, stopped by pid.
 * Throws `RedisServerNotFoundError`, saying how to install it, when there is
 * no binary.
 *
 * @example
 * ```ts
 * let redis: TestRedis;
 * beforeAll(async () => (redis = await startTestRedis()));
 * afterAll(() => redis.stop());
 * ```
 */
export async function startTestRedis(options: StartTestRedisOptions = {}): Promise<TestRedis> {
  const server = await RedisServer.start({ binary: options.binary, config: options.config });
  return { url: server.url, port: server.port, stop: () => server.stop() };
}
