import { DelayTaskError } from './delay-task.error';

/** Module, handler or task options of the wrong type or out of range. */
export class InvalidOptionsError extends DelayTaskError {}
