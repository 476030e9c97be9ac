import { DelayTaskError } from './delay-task.error';

/**
 * Redis refused the module's ACL user a command, key or channel it needs to
 * run scheduled tasks, while the application started.
 */
export class RedisPermissionError extends DelayTaskError {}
