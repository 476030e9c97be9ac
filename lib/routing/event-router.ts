import { Injectable, Logger } from '@nestjs/common';
import { isObservable, lastValueFrom } from 'rxjs';
import { errorMessage, handlerFailed } from '../delay-task.messages';
import { HandlerRegistry, MatchedHandler } from '../discovery/handler.registry';
import { KeyExpiredHandler } from '../discovery/key-expired-handler';
import { ExpiredKeyEvent } from '../interfaces/expired-key-event.interface';
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
  ) {}

  /**
   * Routes a plain expired key. Exclusive handlers run only if `acquireExclusive`
   * says this instance won the key; it is asked only when one matches.
   */
  async routePlain(
    event: ExpiredKeyEvent,
    key: Uint8Array,
    acquireExclusive: () => Promise<boolean>,
  ): Promise<void> {
    this.stream.emit(event);
    const matched = this.registry.match(key);
    if (matched.length === 0) return;
    const exclusiveWon = matched.some((m) => m.exclusive) ? await acquireExclusive() : false;
    const runnable = matched.filter((m) => !m.exclusive || exclusiveWon).map((m) => m.handler);
    await Promise.all(runnable.map((handler) => this.run(handler, event)));
  }

  /**
   * Routes one delivery of a scheduled task, skipping handlers that succeeded
   * in an earlier attempt.
   *
   * NOTE: when every handler returns a plain value the outcome is returned
   * synchronously: a burst of due tasks then costs no promise per handler.
   */
  routeScheduled(
    event: ExpiredKeyEvent,
    alreadyDone: readonly string[],
  ): DeliveryOutcome | Promise<DeliveryOutcome> {
    this.stream.emit(event);
    const pending = this.registry
      .match(event.key)
      .filter(({ handler }) => !alreadyDone.includes(handler.id));
    const results = pending.map(({ handler }) => this.run(handler, event));
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

  /** Runs one handler to completion; a plain value settles synchronously, a Promise or Observable when it completes. */
  private run(
    handler: KeyExpiredHandler,
    event: ExpiredKeyEvent,
  ): HandlerResult | Promise<HandlerResult> {
    let result: unknown;
    try {
      result = handler.call(event);
    } catch (cause) {
      return this.failed(handler, event, cause);
    }
    if (!isObservable(result) && !isPromiseLike(result)) return SUCCEEDED;
    const completion = isObservable(result)
      ? lastValueFrom(result, { defaultValue: undefined })
      : Promise.resolve(result);
    return completion.then(
      () => SUCCEEDED,
      (cause: unknown) => this.failed(handler, event, cause),
    );
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
const SUCCEEDED = 'succeeded';

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}
