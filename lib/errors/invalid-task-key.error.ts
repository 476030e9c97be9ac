import { DelayTaskError } from './delay-task.error';

/** A task key that is not a non-empty string. */
export class InvalidTaskKeyError extends DelayTaskError {}
