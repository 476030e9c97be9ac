import type { Cron } from 'croner';
import { InvalidCronExpressionError } from '../errors/invalid-cron-expression.error';
import { UnknownTimeZoneError } from '../errors/unknown-time-zone.error';
import { MissedOccurrences } from '../interfaces/repeat-options.interface';
import { requireOptionalPeer } from '../optional-peers/optional-peer';
import { encodeSeriesInfo, SeriesRule } from './series-rule';

type CronerModule = typeof import('croner');

/** Whether this runtime knows `tz` as an IANA time zone. */
function isKnownTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

/**
 * Cron times from croner, in a time zone. DST is handled as croner documents
 * (Vixie cron's way): a fixed-time job (one value each in seconds, minutes and
 * hours, e.g. `30 2 * * *`) whose time falls in a spring-forward gap runs at
 * the first valid time after the gap, and runs once when its time occurs
 * twice; an interval job (`*\/15 * * * *`) skips times in the gap and runs in
 * both passes of a repeated hour.
 */
export class CronRule implements SeriesRule {
  readonly info;
  readonly text;

  private constructor(
    private readonly cron: Cron,
    expression: string,
    tz: string | undefined,
    missed: MissedOccurrences,
  ) {
    this.info = tz === undefined ? { cron: expression, missed } : { cron: expression, tz, missed };
    this.text = encodeSeriesInfo(this.info);
  }

  /**
   * Reads an expression of 5 or 6 fields in `tz` (UTC when absent); throws
   * `InvalidCronExpressionError` or `UnknownTimeZoneError`, or
   * `OptionalDependencyMissingError` when croner (an optional peer, loaded
   * only here, so an app without cron rules never loads it) is not installed.
   */
  static async create(
    expression: string,
    tz: string | undefined,
    missed: MissedOccurrences,
    where: string,
  ): Promise<CronRule> {
    if (tz !== undefined && (typeof tz !== 'string' || !isKnownTimeZone(tz))) {
      throw new UnknownTimeZoneError(
        `${where}: "tz" must be an IANA time zone such as "Europe/Berlin", got ${JSON.stringify(tz)}.`,
      );
    }
    const { Cron } = requireOptionalPeer<CronerModule>('croner', 'A cron rule');
    let cron: Cron;
    try {
      cron = new Cron(expression, { mode: '5-or-6-parts', timezone: tz ?? 'UTC' });
    } catch (error) {
      throw new InvalidCronExpressionError(
        `${where}: cron expression ${JSON.stringify(expression)} is invalid (5 fields, or 6 with ` +
          `seconds first): ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    if (cron.nextRun() === null) {
      throw new InvalidCronExpressionError(
        `${where}: cron expression ${JSON.stringify(expression)} never occurs.`,
      );
    }
    return new CronRule(cron, expression, tz, missed);
  }

  following(due: number): number | null {
    return this.cron.nextRun(new Date(due))?.getTime() ?? null;
  }

  latestUpTo(due: number, now: number): number {
    // previousRuns looks strictly before its reference: now + 1 includes an occurrence at now.
    const [latest] = this.cron.previousRuns(1, new Date(now + 1));
    return latest === undefined ? due : Math.max(due, latest.getTime());
  }

  firstAfter(_due: number, now: number): number | null {
    return this.cron.nextRun(new Date(now))?.getTime() ?? null;
  }
}
