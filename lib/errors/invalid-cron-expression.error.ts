import { DelayTaskError } from './delay-task.error';

/** A cron expression the parser rejects, with other than 5 or 6 fields, or one that never occurs. */
export class InvalidCronExpressionError extends DelayTaskError {}
