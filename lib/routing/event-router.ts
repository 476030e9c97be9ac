import { Injectable, Logger } from '@nestjs/common';
import { isObservable, lastValueFrom } from 'rxjs';
import { errorMessage, handlerFailed } from '../delay-task.messages';
import { HandlerRegistry, MatchedHandler } from '../discovery/handler.registry';
import { KeyExpiredHandler } from '../discovery/key-expired-handler';
import { HandlerTimeoutError } from '../errors/handler-timeout.error';
import { ExpiredKeyEvent } from '../interfaces/expired-key-event.interface';
import { DeliveryAborts } from './delivery-aborts';
import { ABORTED, DeliveryControl, UnsignalledEvent } from './delivery-control';
import { ExpiredEventStream } from './expired-event-stream';

/** How the handlers of one scheduled delivery went. */
export interface DeliveryOutcome {
  /** Every handler that has succeeded for this task so far (earlier attempts included). */
  done: string[];
  /** Handlers that failed in this delivery, with the pattern they matched the key by. */
  failures: Array<{ handlerId: string; pattern: string; error: unknown }>;
}

/**
 * Turns events into handler calls: publishes each event on the stream, runs
 * every matching handler, and reports how they went. A handler that throws is
 * logged and never stops the stream or the other handlers.
 */
@Injectable()
export class EventRouter {
  private readonly logger = new Logger('DelayTaskModule');

  constructor(
    private readonly registry: HandlerRegistry,
    private readonly stream: ExpiredEventStream,
    private readonly aborts: DeliveryAborts,
  ) {}

  /**
   * Routes a plain expired key. Exclusive handlers run only if `acquireExclusive`
   * says this instance won the key; it is asked only when one matches. Settles
   * when the handlers do, or at once when the delivery is aborted (shutdown).
   */
  async routePlain(
    fields: UnsignalledEvent,
    key: Uint8Array,
    acquireExclusive: () => Promise<boolean>,
  ): Promise<void> {
    const control = this.aborts.openPlain();
    try {
      const event = control.event(fields);
      this.stream.emit(event);
      const matched = this.registry.match(key);
      if (matched.length === 0) return;
      const exclusiveWon = matched.some((m) => m.exclusive) ? await acquireExclusive() : false;
      const runnable = matched.filter((m) => !m.exclusive || exclusiveWon).map((m) => m.handler);
      await control.race(
        Promise.all(runnable.map((handler) => this.run(handler, fields, event, control))),
      );
    } finally {
      this.aborts.closePlain(control);
    }
  }

  /**
   * Routes one delivery of a scheduled task, skipping handlers that succeeded
   * in an earlier attempt. `control` carries the delivery's signal; the
   * caller decides what an abort means for the task.
   *
   * NOTE: when every handler returns a plain value the outcome is returned
   * synchronously: a burst of due tasks then costs no promise per handler.
   */
  routeScheduled(
    fields: UnsignalledEvent,
    alreadyDone: readonly string[],
    control: DeliveryControl,
  ): DeliveryOutcome | Promise<DeliveryOutcome> {
    const event = control.event(fields);
    this.stream.emit(event);
    const pending = this.registry
      .match(fields.key)
      .filter(({ handler }) => !alreadyDone.includes(handler.id));
    const results = pending.map(({ handler }) => this.run(handler, fields, event, control));
    if (results.some((result) => result instanceof Promise)) {
      return Promise.all(results).then((settled) => this.outcome(pending, settled, alreadyDone));
    }
    return this.outcome(pending, results as HandlerResult[], alreadyDone);
  }

  private outcome(
    handlers: readonly MatchedHandler[],
    results: readonly HandlerResult[],
    alreadyDone: readonly string[],
  ): DeliveryOutcome {
    const done = [...alreadyDone];
    const failures: DeliveryOutcome['failures'] = [];
    handlers.forEach(({ handler, pattern }, index) => {
      const result = results[index];
      if (result === SUCCEEDED) done.push(handler.id);
      else failures.push({ handlerId: handler.id, pattern, error: result.cause });
    });
    return { done, failures };
  }

  /**
   * Runs one handler to completion; a plain value settles synchronously, a
   * Promise or Observable when it completes, or as failed at the handler's
   * `timeoutMs`. A handler with a timeout gets its own signal (aborted by its
   * timeout or with the delivery's); the others share the delivery's `event`.
   */
  private run(
    handler: KeyExpiredHandler,
    fields: UnsignalledEvent,
    event: ExpiredKeyEvent,
    delivery: DeliveryControl,
  ): HandlerResult | Promise<HandlerResult> {
    const control = handler.timeoutMs === undefined ? delivery : delivery.child();
    const handlerEvent = control === delivery ? event : control.event(fields);
    let result: unknown;
    try {
      result = handler.call(handlerEvent);
    } catch (cause) {
      return this.failed(handler, handlerEvent, cause);
    }
    if (!isObservable(result) && !isPromiseLike(result)) return SUCCEEDED;
    const completion = isObservable(result)
      ? lastValueFrom(result, { defaultValue: undefined })
      : Promise.resolve(result);
    const settled = completion.then(
      (): HandlerResult => SUCCEEDED,
      // Thrown because it was aborted (as it should): the abort is what counts, and was reported.
      (cause: unknown): HandlerResult =>
        control.aborted ? { cause } : this.failed(handler, handlerEvent, cause),
    );
    if (handler.timeoutMs === undefined) return settled;
    return this.withTimeout(handler, handler.timeoutMs, handlerEvent, control, settled);
  }

  /** Fails the handler at its timeout, whether or not it heeds its signal (its result is then ignored). */
  private async withTimeout(
    handler: KeyExpiredHandler,
    timeoutMs: number,
    event: ExpiredKeyEvent,
    control: DeliveryControl,
    settled: Promise<HandlerResult>,
  ): Promise<HandlerResult> {
    const timer = setTimeout(
      () => control.abort(new HandlerTimeoutError(handler.id, timeoutMs)),
      timeoutMs,
    );
    try {
      const result = await control.race(settled);
      if (result !== ABORTED) return result;
      const reason = control.reason;
      // The delivery itself was aborted: the caller ignores every handler's result.
      if (!(reason instanceof HandlerTimeoutError)) return { cause: reason };
      return this.failed(handler, event, reason);
    } finally {
      clearTimeout(timer);
    }
  }

  private failed(
    handler: KeyExpiredHandler,
    event: ExpiredKeyEvent,
    cause: unknown,
  ): HandlerResult {
    this.logger.error(
      handlerFailed(handler.id, event.key, cause),
      cause instanceof Error ? cause.stack : errorMessage(cause),
    );
    return { cause };
  }
}

/** How one handler call ended: `SUCCEEDED`, or the error it threw or rejected with. */
type HandlerResult = typeof SUCCEEDED | { cause: unknown };
const SUCCEEDED = 'succeeded' as const;

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
