import { InvalidCronExpressionError } from '../errors/invalid-cron-expression.error';
import { InvalidIntervalError } from '../errors/invalid-interval.error';
import { InvalidOptionsError } from '../errors/invalid-options.error';
import { MissedOccurrences, SeriesInfo } from '../interfaces/repeat-options.interface';
import { CronRule } from './cron-rule';
import { EveryRule } from './every-rule';
import { decodeSeriesInfo, SeriesRule } from './series-rule';

/** Rules read from records, by their stored text: a handful of series, decoded once each. */
const decoded = new Map<string, Promise<SeriesRule | undefined>>();
const MAX_DECODED = 1_000;

/**
 * Validates a rule as a caller wrote it (`repeat`, `@Recurring`): exactly one
 * of `cron` (with an optional `tz`) or `every`, and `missed`. Throws a named
 * error saying what is wrong before anything is written.
 */
export async function validateSeriesRule(
  rule: unknown,
  missed: unknown,
  where: string,
): Promise<SeriesRule> {
  if (rule === null || typeof rule !== 'object' || Array.isArray(rule)) {
    throw new InvalidOptionsError(`${where}: the rule must be { cron, tz? } or { every }.`);
  }
  const { cron, tz, every } = rule as Record<string, unknown>;
  if ((cron === undefined) === (every === undefined)) {
    throw new InvalidOptionsError(
      `${where}: give exactly one of "cron" or "every", got ${cron === undefined ? 'neither' : 'both'}.`,
    );
  }
  const policy = validateMissed(missed, where);
  if (every !== undefined) {
    if (typeof every !== 'number' || !Number.isSafeInteger(every) || every <= 0) {
      throw new InvalidIntervalError(
        `${where}: "every" must be a positive integer number of ms, got ${String(every)}.`,
      );
    }
    if (tz !== undefined) {
      throw new InvalidOptionsError(`${where}: "tz" applies to cron rules only, not to "every".`);
    }
    return new EveryRule(every, policy);
  }
  if (typeof cron !== 'string' || cron.trim() === '') {
    throw new InvalidCronExpressionError(
      `${where}: "cron" must be a cron expression string, got ${JSON.stringify(cron) ?? String(cron)}.`,
    );
  }
  return CronRule.create(cron, tz as string | undefined, policy, where);
}

function validateMissed(missed: unknown, where: string): MissedOccurrences {
  if (missed === undefined) return 'once';
  if (missed === 'once' || missed === 'skip') return missed;
  throw new InvalidOptionsError(
    `${where}: "missed" must be 'once' or 'skip', got ${JSON.stringify(missed) ?? String(missed)}.`,
  );
}

/**
 * The rule of a stored `series` extension; undefined when it is not a rule
 * this version knows. Rejects when it cannot be read here (croner missing).
 */
export function storedSeriesRule(text: string): Promise<SeriesRule | undefined> {
  let rule = decoded.get(text);
  if (!rule) {
    if (decoded.size >= MAX_DECODED) decoded.clear();
    rule = fromInfo(decodeSeriesInfo(text));
    decoded.set(text, rule);
    rule.catch(() => decoded.delete(text));
  }
  return rule;
}

async function fromInfo(info: SeriesInfo | undefined): Promise<SeriesRule | undefined> {
  if (!info) return undefined;
  if (info.every !== undefined) return new EveryRule(info.every, info.missed);
  return CronRule.create(info.cron ?? '', info.tz, info.missed, 'stored series');
}
