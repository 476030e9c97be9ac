import { Inject, Injectable } from '@nestjs/common';
import { RESOLVED_DELAY_TASK_OPTIONS } from '../delay-task.constants';
import { InvalidCronExpressionError } from '../errors/invalid-cron-expression.error';
import { InvalidOptionsError } from '../errors/invalid-options.error';
import { SeriesInfo } from '../interfaces/repeat-options.interface';
import { ScheduledTaskRef } from '../interfaces/schedule-options.interface';
import { TaskLifecycleStream } from '../lifecycle/task-lifecycle-stream';
import { RecordExtensions } from '../store/record-extensions';
import { recordHeader } from '../store/task-record';
import { ResolvedDelayTaskOptions } from '../validation/module-options.validation';
import {
  serializePayload,
  validateBackoffPolicy,
  validateKey,
  validateMaxAttempts,
} from '../validation/task-input.validation';
import { FoundDeclaration } from './recurring.explorer';
import { decodeSeriesInfo, SeriesRule } from './series-rule';
import { validateSeriesRule } from './series-rules';
import { SeriesStore } from './series-store';

/** A validated series declaration, ready to be written. */
export interface PreparedSeries {
  key: string;
  rule: SeriesRule;
  header: string;
  payloadJson: string;
}

/**
 * Declares recurring series (`DelayTaskService.repeat`, `@Recurring` at
 * bootstrap) and ends them. Validation comes first and throws named errors;
 * then one script writes the series, or updates the one already there.
 */
@Injectable()
export class RecurringSeries {
  constructor(
    @Inject(RESOLVED_DELAY_TASK_OPTIONS) private readonly options: ResolvedDelayTaskOptions,
    private readonly store: SeriesStore,
    private readonly lifecycle: TaskLifecycleStream,
  ) {}

  /** Validates a declaration; `where` names it in error messages. */
  async prepare(
    key: unknown,
    payload: unknown,
    rule: unknown,
    options: unknown,
    where?: string,
  ): Promise<PreparedSeries> {
    const validKey = validateKey(key, where ? `key of ${where}` : 'key');
    const context = where ?? `Series "${validKey}"`;
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw new InvalidOptionsError(`${context}: options must be an object.`);
    }
    const { missed, maxAttempts, backoff } = options as Record<string, unknown>;
    const seriesRule = await validateSeriesRule(rule, missed, context);
    const header = recordHeader(
      validateMaxAttempts(maxAttempts, context),
      validateBackoffPolicy(backoff, context),
    );
    const payloadJson = serializePayload(payload, this.options.maxPayloadBytes, validKey);
    return { key: validKey, rule: seriesRule, header, payloadJson };
  }

  /** Validates a `@Recurring` declaration (its options carry the payload). */
  prepareDeclared({ key, options, where }: FoundDeclaration): Promise<PreparedSeries> {
    const payload: unknown =
      options !== null && typeof options === 'object' ? Reflect.get(options, 'payload') : undefined;
    return this.prepare(key, payload, options, options, where);
  }

  /**
   * Writes a prepared series: the first occurrence, or, when the series is
   * there already, its new rule beside the occurrence's unchanged time.
   * Resolves with the next occurrence's due time.
   */
  async write(series: PreparedSeries): Promise<ScheduledTaskRef> {
    const now = await this.store.now();
    const first = series.rule.firstAfter(now, now);
    if (first === null) {
      throw new InvalidCronExpressionError(
        `Series "${series.key}": its rule has no occurrence after now.`,
      );
    }
    const { dueAt, state } = await this.store.declare({
      key: series.key,
      header: series.header,
      firstDueAt: first,
      rule: series.rule.text,
      payloadJson: series.payloadJson,
    });
    if (state === 'new' && this.lifecycle.observed) {
      this.lifecycle.emit({ type: 'scheduled', key: series.key, attempt: 0, dueAt });
    }
    // A running occurrence's successor is written when it ends: on the new rule's grid.
    const next = state === 'active' ? series.rule.following(dueAt) : dueAt;
    return { key: series.key, dueAt: next ?? dueAt };
  }

  /** Ends the series under `key`, pending or running; false when there is none. */
  end(key: string): Promise<boolean> {
    return this.store.end(key);
  }
}

/** The rule a record's extensions carry, as `get` and `list` show it; undefined for a one-off task. */
export function seriesInfoOf(extensions: RecordExtensions): SeriesInfo | undefined {
  return extensions.series === undefined ? undefined : decodeSeriesInfo(extensions.series);
}
