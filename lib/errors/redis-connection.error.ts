import { DelayTaskError } from './delay-task.error';

/** Redis could not be reached while the application started. */
export class RedisConnectionError extends DelayTaskError {}
