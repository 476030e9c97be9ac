import { DelayTaskError } from './delay-task.error';

/** A key pattern that is empty or not a string. */
export class InvalidPatternError extends DelayTaskError {}
