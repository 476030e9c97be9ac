/**
 * Counts the module's claims in this process: every call of
 * `TaskStore.prototype.claim` (one run of the claim script) goes through a
 * counting wrapper. The bench is the project's own, so it may wrap the
 * module's internals; it changes nothing else about the call.
 */
import { TaskStore } from '../lib/store/task-store';

let calls = 0;
let installed = false;

/** Wraps `TaskStore.prototype.claim` once per process; later calls do nothing. */
export function countClaimCalls(): void {
  if (installed) return;
  installed = true;
  const claim = TaskStore.prototype.claim;
  TaskStore.prototype.claim = function countedClaim(
    this: TaskStore,
    ...args: Parameters<TaskStore['claim']>
  ) {
    calls += 1;
    return claim.apply(this, args);
  };
}

/** Claim calls made in this process since `countClaimCalls`. */
export function claimCallsSoFar(): number {
  return calls;
}
