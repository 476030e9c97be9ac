/**
 * Chooses the Redis the sample talks to: the one in `REDIS_URL`, used as it
 * is, or else a throwaway `redis-server` started on a free port and stopped
 * when the sample exits.
 */
import { rmSync } from 'node:fs';
import { Logger } from '@nestjs/common';
import { RedisServer } from '../lib/testing/redis-server';

export interface SampleRedis {
  url: string;
  /** How to reach it from a shell. */
  cli: string;
  /** Stops the server if the sample started it; a no-op for `REDIS_URL`. */
  stop(): Promise<void>;
  /** Last-resort synchronous stop, for `process.on('exit')` where nothing async runs. */
  stopNow(): void;
}

const logger = new Logger('SampleRedis');

export async function chooseRedis(env: NodeJS.ProcessEnv): Promise<SampleRedis> {
  const url = env.REDIS_URL;
  if (url) {
    // NOTE: the sample itself never changes this server's configuration; only
    // the module may add `Ex` to notify-keyspace-events, and it logs when it does.
    logger.log(`Using REDIS_URL ${url}`);
    return {
      url,
      cli: `redis-cli -u ${url}`,
      stop: async () => undefined,
      stopNow: () => undefined,
    };
  }

  const server = await RedisServer.start();
  logger.log(`Started a throwaway redis-server (pid ${server.pid}) on port ${server.port}`);
  let stopped = false;
  return {
    url: server.url,
    cli: `redis-cli -p ${server.port}`,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await server.stop();
      logger.log('Stopped the throwaway redis-server');
    },
    stopNow: () => {
      if (stopped || !server.running) return;
      stopped = true;
      process.kill(server.pid, 'SIGTERM');
      rmSync(server.dir, { recursive: true, force: true });
    },
  };
}
