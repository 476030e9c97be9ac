import { InvalidCronExpressionError } from '../errors/invalid-cron-expression.error';
import { InvalidIntervalError } from '../errors/invalid-interval.error';
import { InvalidOptionsError } from '../errors/invalid-options.error';
import { UnknownTimeZoneError } from '../errors/unknown-time-zone.error';
import { isStale, nextOccurrence } from './next-occurrence';
import { decodeSeriesInfo } from './series-rule';
import { storedSeriesRule, validateSeriesRule } from './series-rules';

const at = (iso: string) => Date.parse(iso);
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

describe('next occurrence of a series', () => {
  describe('every (fixed rate)', () => {
    it('is the previous due time plus the period, however late the handler ended', async () => {
      const rule = await validateSeriesRule({ every: 200 }, undefined, 'test');
      expect(nextOccurrence(rule, 1_000, 1_050)).toBe(1_200);
      expect(nextOccurrence(rule, 1_000, 1_199)).toBe(1_200);
      expect(isStale(rule, 1_000, 1_199)).toBe(false);
      expect(isStale(rule, 1_000, 1_200)).toBe(true);
    });

    it("after missed occurrences: one catch-up at the latest passed time ('once'), or the next ahead ('skip')", async () => {
      const once = await validateSeriesRule({ every: 200 }, 'once', 'test');
      const skip = await validateSeriesRule({ every: 200 }, 'skip', 'test');
      // Due at 1000; nothing ran until 2050: 1200 … 2000 were missed.
      expect(nextOccurrence(once, 1_000, 2_050)).toBe(2_000);
      expect(nextOccurrence(skip, 1_000, 2_050)).toBe(2_200);
      // Exactly on a grid time, that time counts as passed.
      expect(nextOccurrence(once, 1_000, 2_000)).toBe(2_000);
      expect(nextOccurrence(skip, 1_000, 2_000)).toBe(2_200);
    });
  });

  describe('cron', () => {
    it('follows 5 and 6 fields, in UTC by default', async () => {
      const minutes = await validateSeriesRule({ cron: '*/15 * * * *' }, undefined, 'test');
      expect(
        iso(nextOccurrence(minutes, at('2026-01-10T10:15:00Z'), at('2026-01-10T10:15:01Z'))),
      ).toBe('2026-01-10T10:30:00.000Z');
      const seconds = await validateSeriesRule({ cron: '*/10 * * * * *' }, undefined, 'test');
      expect(
        iso(nextOccurrence(seconds, at('2026-01-10T10:15:00Z'), at('2026-01-10T10:15:00.5Z'))),
      ).toBe('2026-01-10T10:15:10.000Z');
    });

    it("after missed occurrences: one catch-up at the latest passed time ('once'), or the next ahead ('skip')", async () => {
      const once = await validateSeriesRule({ cron: '0 2 * * *' }, 'once', 'test');
      const skip = await validateSeriesRule({ cron: '0 2 * * *' }, 'skip', 'test');
      const due = at('2026-01-10T02:00:00Z');
      const now = at('2026-01-15T09:00:00Z'); // five days down
      expect(iso(nextOccurrence(once, due, now))).toBe('2026-01-15T02:00:00.000Z');
      expect(iso(nextOccurrence(skip, due, now))).toBe('2026-01-16T02:00:00.000Z');
    });

    describe('across DST in Europe/Berlin (2026: spring forward 29 March 02:00, fall back 25 October 03:00)', () => {
      const tz = 'Europe/Berlin';

      it('a fixed time in the spring-forward gap runs at the first valid time after it, once', async () => {
        const rule = await validateSeriesRule({ cron: '30 2 * * *', tz }, undefined, 'test');
        const saturday = at('2026-03-28T01:30:00Z'); // 02:30 CET
        const sunday = nextOccurrence(rule, saturday, saturday + 1);
        expect(iso(sunday)).toBe('2026-03-29T01:00:00.000Z'); // 03:00 CEST: 02:30 does not exist
        expect(iso(nextOccurrence(rule, sunday!, sunday! + 1))).toBe('2026-03-30T00:30:00.000Z'); // 02:30 CEST
      });

      it('a fixed time in the repeated hour runs once, at its first pass', async () => {
        const rule = await validateSeriesRule({ cron: '30 2 * * *', tz }, undefined, 'test');
        const saturday = at('2026-10-24T00:30:00Z'); // 02:30 CEST
        const sunday = nextOccurrence(rule, saturday, saturday + 1);
        expect(iso(sunday)).toBe('2026-10-25T00:30:00.000Z'); // 02:30 CEST, first pass
        expect(iso(nextOccurrence(rule, sunday!, sunday! + 1))).toBe('2026-10-26T01:30:00.000Z'); // 02:30 CET next day
      });

      it('an interval skips the gap and runs in both passes of the repeated hour', async () => {
        const rule = await validateSeriesRule({ cron: '0 * * * *', tz }, undefined, 'test');
        const walk = (from: string, steps: number) => {
          const times: Array<string | null> = [];
          let due = at(from);
          for (let i = 0; i < steps; i++) {
            due = nextOccurrence(rule, due, due + 1)!;
            times.push(iso(due));
          }
          return times;
        };
        // 01:00 CET, then 03:00 CEST: 02:00 does not exist.
        expect(walk('2026-03-29T00:00:00Z', 2)).toEqual([
          '2026-03-29T01:00:00.000Z',
          '2026-03-29T02:00:00.000Z',
        ]);
        // 02:00 CEST, 02:00 CET (the same wall time again), 03:00 CET: an hour apart each.
        expect(walk('2026-10-24T23:00:00Z', 3)).toEqual([
          '2026-10-25T00:00:00.000Z',
          '2026-10-25T01:00:00.000Z',
          '2026-10-25T02:00:00.000Z',
        ]);
      });
    });
  });

  describe('stored rules', () => {
    it('round-trip through the series extension text', async () => {
      const rule = await validateSeriesRule(
        { cron: '0 2 * * *', tz: 'Asia/Tokyo' },
        'skip',
        'test',
      );
      expect(decodeSeriesInfo(rule.text)).toEqual({
        cron: '0 2 * * *',
        tz: 'Asia/Tokyo',
        missed: 'skip',
      });
      const stored = await storedSeriesRule(rule.text);
      expect(stored?.following(at('2026-01-10T17:00:00Z'))).toBe(at('2026-01-11T17:00:00Z'));
      await expect(storedSeriesRule('{"hourly":true}')).resolves.toBeUndefined();
    });
  });

  describe('bad rules: named errors', () => {
    it.each([
      [{ every: 0 }, InvalidIntervalError],
      [{ every: -5 }, InvalidIntervalError],
      [{ every: 1.5 }, InvalidIntervalError],
      [{ every: '200' }, InvalidIntervalError],
      [{ every: Number.NaN }, InvalidIntervalError],
      [{ cron: 'every day' }, InvalidCronExpressionError],
      [{ cron: '* * * * * * *' }, InvalidCronExpressionError], // 7 fields: years are not offered
      [{ cron: '61 * * * *' }, InvalidCronExpressionError],
      [{ cron: '0 0 30 2 *' }, InvalidCronExpressionError], // 30 February never comes
      [{ cron: '' }, InvalidCronExpressionError],
      [{ cron: '0 2 * * *', tz: 'Mars/Olympus' }, UnknownTimeZoneError],
      [{ cron: '0 2 * * *', every: 5 }, InvalidOptionsError],
      [{}, InvalidOptionsError],
      [{ every: 5, tz: 'UTC' }, InvalidOptionsError],
      [null, InvalidOptionsError],
    ])('%j → %p', async (rule, error) => {
      await expect(validateSeriesRule(rule, undefined, 'Series "x"')).rejects.toThrow(error);
    });

    it('a missed policy other than once or skip', async () => {
      await expect(validateSeriesRule({ every: 5 }, 'all', 'Series "x"')).rejects.toThrow(
        InvalidOptionsError,
      );
    });
  });
});
