import { DelayTaskError } from '../errors/delay-task.error';

/** `startTestRedis` (or the sample) could not run a `redis-server` binary. */
export class RedisServerNotFoundError extends DelayTaskError {
  constructor(binary: string) {
    super(
      `Cannot run "${binary}": a redis-server binary is needed to start a throwaway Redis. ` +
        'Install it (Debian or Ubuntu: apt-get install redis-server; macOS: brew install redis), ' +
        'pass { binary } with its path, or point the app at a Redis of your own.',
    );
  }
}
