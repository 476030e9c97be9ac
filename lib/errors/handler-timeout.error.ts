import { DelayTaskError } from './delay-task.error';

/**
 * A handler ran past its `timeoutMs`: the reason of its `event.signal`, and
 * the error its delivery fails with (retried per backoff, then dead-lettered
 * with this message).
 */
export class HandlerTimeoutError extends DelayTaskError {
  constructor(
    /** The handler, as `ClassName.methodName`. */
    readonly handler: string,
    /** The `timeoutMs` it ran past. */
    readonly timeoutMs: number,
  ) {
    super(`Handler ${handler} timed out after ${timeoutMs} ms (timeoutMs).`);
  }
}
