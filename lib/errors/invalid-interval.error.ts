import { DelayTaskError } from './delay-task.error';

/** An `every` that is not a positive integer number of milliseconds. */
export class InvalidIntervalError extends DelayTaskError {}
