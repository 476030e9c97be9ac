import { ShardKeys } from './task-keys';

/**
 * The keys of one shard that the scripts reading or writing tasks in flight
 * take, in the order of their `KEYS[]` (each script's header says what each is).
 *
 * NOTE: one list per script, shared by every caller (the stores and the tests
 * that call a script directly), so a script's keys change in one place.
 */
export const SCRIPT_KEYS = {
  schedule: (k: ShardKeys) => [
    k.due,
    k.tasks,
    k.state,
    k.claims,
    k.dead,
    k.floor,
    k.legacyActive,
    k.leases,
    k.holders,
  ],
  claim: (k: ShardKeys) => [k.due, k.tasks, k.state, k.claims, k.leases, k.holders, k.seq, k.floor],
  ack: (k: ShardKeys) => [k.tasks, k.state, k.claims, k.leases, k.holders, k.due],
  fail: (k: ShardKeys) => [k.due, k.tasks, k.state, k.claims, k.leases, k.holders, k.dead, k.floor],
  recover: (k: ShardKeys) => [
    k.due,
    k.tasks,
    k.state,
    k.claims,
    k.leases,
    k.holders,
    k.dead,
    k.floor,
    k.legacyActive,
  ],
  abort: (k: ShardKeys) => [k.due, k.tasks, k.state, k.claims, k.leases, k.holders],
  /** The same keys as `schedule`: a declaration replaces whatever the key held. */
  seriesDeclare: (k: ShardKeys) => SCRIPT_KEYS.schedule(k),
  seriesAdvance: (k: ShardKeys) => [
    k.due,
    k.tasks,
    k.state,
    k.claims,
    k.leases,
    k.holders,
    k.floor,
  ],
  seriesEnd: (k: ShardKeys) => [k.due, k.tasks, k.state, k.claims],
};
