import { DelayTaskError } from './delay-task.error';

/** A payload that cannot be serialised to JSON (BigInt, circular structure, function). */
export class InvalidPayloadError extends DelayTaskError {}
