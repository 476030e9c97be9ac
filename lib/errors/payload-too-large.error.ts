import { DelayTaskError } from './delay-task.error';

/** A payload whose JSON is larger than `maxPayloadBytes`. */
export class PayloadTooLargeError extends DelayTaskError {}
