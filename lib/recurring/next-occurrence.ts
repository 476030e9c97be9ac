import { SeriesRule } from './series-rule';

/**
 * When the occurrence after the one due at `due` is due, judged at `now`
 * (Redis' clock): the next time on the rule's grid, or, when that has passed
 * already (nothing ran the series meanwhile), one catch-up due at the latest
 * passed time (`missed: 'once'`) or the first time still ahead (`'skip'`).
 * Null when the rule has no later time: the series ends.
 */
export function nextOccurrence(rule: SeriesRule, due: number, now: number): number | null {
  const following = rule.following(due);
  if (following === null || following > now) return following;
  return rule.info.missed === 'once' ? rule.latestUpTo(due, now) : rule.firstAfter(due, now);
}

/**
 * Whether an occurrence is stale at `now`: the one after it is due already.
 * A stale occurrence is not run (its time slot is over); the series moves on
 * to `nextOccurrence`, which is the catch-up when `missed` is `'once'`.
 */
export function isStale(rule: SeriesRule, due: number, now: number): boolean {
  const following = rule.following(due);
  return following !== null && following <= now;
}
