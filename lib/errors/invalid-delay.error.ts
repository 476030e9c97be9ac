import { DelayTaskError } from './delay-task.error';

/** A delay, date or shift that is missing, ambiguous, negative, NaN, infinite or not a valid date. */
export class InvalidDelayError extends DelayTaskError {}
