import { MissedOccurrences } from '../interfaces/repeat-options.interface';
import { encodeSeriesInfo, SeriesRule } from './series-rule';

/**
 * Fixed rate: occurrences `every` ms apart, counted from the series' own due
 * times (not from when a handler ended), so a slow handler never shifts the grid.
 */
export class EveryRule implements SeriesRule {
  readonly info;
  readonly text;

  constructor(
    private readonly every: number,
    missed: MissedOccurrences,
  ) {
    this.info = { every, missed };
    this.text = encodeSeriesInfo(this.info);
  }

  following(due: number): number {
    return due + this.every;
  }

  latestUpTo(due: number, now: number): number {
    return due + Math.floor((now - due) / this.every) * this.every;
  }

  firstAfter(due: number, now: number): number {
    return this.latestUpTo(due, now) + this.every;
  }
}
