import { Injectable, Logger } from '@nestjs/common';
import { isObservable, lastValueFrom } from 'rxjs';
import { errorMessage, handlerFailed } from '../delay-task.messages';
import { HandlerRegistry } from '../discovery/handler.registry';
import { KeyExpiredHandler } from '../discovery/key-expired-handler';
import { ExpiredKeyEvent } from '../interfaces/expired-key-event.interface';
import { ExpiredEventStream } from './expired-event-stream';

/** How the handlers of one scheduled delivery went. */
export interface DeliveryOutcome {
  /** Every handler that has succeeded for this task so far (earlier attempts included). */
  done: string[];
  /** Handlers that failed in this delivery. */
  failures: Array<{ handlerId: string; error: unknown }>;
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

  /** Routes one delivery of a scheduled task, skipping handlers that succeeded in an earlier attempt. */
  async routeScheduled(
    event: ExpiredKeyEvent,
    alreadyDone: readonly string[],
  ): Promise<DeliveryOutcome> {
    this.stream.emit(event);
    const pending = this.registry
      .match(event.key)
      .filter(({ handler }) => !alreadyDone.includes(handler.id));
    const results = await Promise.all(pending.map(({ handler }) => this.run(handler, event)));
    const done = [...alreadyDone];
    const failures: DeliveryOutcome['failures'] = [];
    pending.forEach(({ handler }, index) => {
      const error = results[index];
      if (error === undefined) done.push(handler.id);
      else failures.push({ handlerId: handler.id, error: error.cause });
    });
    return { done, failures };
  }

  /** Runs one handler to completion; resolves with its failure, or undefined on success. */
  private async run(
    handler: KeyExpiredHandler,
    event: ExpiredKeyEvent,
  ): Promise<{ cause: unknown } | undefined> {
    try {
      const result = handler.call(event);
      if (isObservable(result)) await lastValueFrom(result, { defaultValue: undefined });
      else await result;
      return undefined;
    } catch (cause) {
      this.logger.error(
        handlerFailed(handler.id, event.key, cause),
        cause instanceof Error ? cause.stack : errorMessage(cause),
      );
      return { cause };
    }
  }
}
