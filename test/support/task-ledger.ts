import type { DelayTaskService } from '../../lib';

/**
 * What a scheduling app asked of the module and what it was told, call by
 * call and timed, and what that says each task may have been. For fault
 * tests: it runs the calls of one key one after another, so each key's
 * history is a sequence.
 *
 * NOTE: a reply is not always the whole truth. When the connection drops
 * after Redis ran a command but before its reply arrived, ioredis re-sends the
 * command on reconnect (`autoResendUnfulfilledCommands`, on by default), so it
 * may have run twice and the reply describes only the second run. A call that
 * spanned a lost connection (`unreliable`) is therefore read as "may have taken
 * effect, possibly at another moment of the call".
 */

/** Times are `Date.now()` of the process that made the call. */
interface CallBase {
  key: string;
  calledAt: number;
  settledAt: number;
  /** The call rejected: whether it took effect is unknown. */
  failed: boolean;
}

export interface ScheduleCall extends CallBase {
  kind: 'schedule';
  delay: number;
  /** The due time it resolved with (null when it failed). */
  dueAt: number | null;
}

export interface RescheduleCall extends CallBase {
  kind: 'reschedule';
  delay: number;
  /** The new due time, or null: not pending (or failed). */
  dueAt: number | null;
}

export interface CancelCall extends CallBase {
  kind: 'cancel';
  cancelled: boolean;
}

export type TaskCall = ScheduleCall | RescheduleCall | CancelCall;

/** What a call returned, before it is stamped with its key and times. */
type CallOutcome =
  | Omit<ScheduleCall, keyof CallBase>
  | Omit<RescheduleCall, keyof CallBase>
  | Omit<CancelCall, keyof CallBase>;

/** A due time known to lie within [earliest, latest] (equal when the reply told it). */
export interface DueWindow {
  earliest: number;
  latest: number;
}

/** What one key's calls say about its task. */
export interface TaskExpectation {
  key: string;
  calls: TaskCall[];
  /** `schedule` resolved: the task was written. */
  acknowledged: boolean;
  /** When the `cancel` that returned true settled. */
  cancelledAt?: number;
  /** A `cancel` whose outcome is unknown: it failed, or returned false across a lost connection. */
  mayHaveBeenCancelled: boolean;
  /** Acknowledged and surely not cancelled: it must run. */
  mustRun: boolean;
  /** Every due time the task may have had. */
  dues: DueWindow[];
  /** The due time(s) it may have had last: what its final delivery is judged against. */
  finalDues: DueWindow[];
  /** Its `schedule` spanned a lost connection: a re-sent schedule may have replaced a delivery already running. */
  mayHaveBeenRewritten: boolean;
}

/** Whether the connection may have been lost during [from, to]. */
export type Unreliable = (from: number, to: number) => boolean;

export class TaskLedger {
  private readonly calls = new Map<string, TaskCall[]>();
  private readonly busy = new Set<string>();

  constructor(private readonly tasks: DelayTaskService) {}

  /** Keys scheduled so far, in the order they were first scheduled. */
  get keys(): string[] {
    return [...this.calls.keys()];
  }

  /** A call for this key has not settled yet. */
  isBusy(key: string): boolean {
    return this.busy.has(key);
  }

  history(key: string): TaskCall[] {
    return this.calls.get(key) ?? [];
  }

  schedule<T>(key: string, payload: T, delay: number): Promise<void> {
    return this.record(
      key,
      async () => ({
        kind: 'schedule',
        delay,
        dueAt: (await this.tasks.schedule(key, payload, { delay })).dueAt,
      }),
      { kind: 'schedule', delay, dueAt: null },
    );
  }

  reschedule(key: string, delay: number): Promise<void> {
    return this.record(
      key,
      async () => ({
        kind: 'reschedule',
        delay,
        dueAt: await this.tasks.reschedule(key, { delay }),
      }),
      { kind: 'reschedule', delay, dueAt: null },
    );
  }

  cancel(key: string): Promise<void> {
    return this.record(
      key,
      async () => ({ kind: 'cancel', cancelled: await this.tasks.cancel(key) }),
      { kind: 'cancel', cancelled: false },
    );
  }

  /** Folds a key's calls, in order, into what its task may have been. */
  expectation(key: string, unreliable: Unreliable): TaskExpectation {
    const calls = this.history(key);
    const expectation: TaskExpectation = {
      key,
      calls,
      acknowledged: false,
      mayHaveBeenCancelled: false,
      mustRun: false,
      dues: [],
      finalDues: [],
      mayHaveBeenRewritten: false,
    };
    for (const call of calls) {
      const doubtful = call.failed || unreliable(call.calledAt, call.settledAt);
      // Redis ran the command (each time it did) between the call and its reply, on the
      // machine's one clock: a delay lands the due time within this window.
      const ranWithin = (delay: number): DueWindow => ({
        earliest: call.calledAt + delay,
        latest: call.settledAt + delay,
      });
      const told = (dueAt: number): DueWindow => ({ earliest: dueAt, latest: dueAt });
      if (call.kind === 'schedule') {
        expectation.acknowledged = !call.failed;
        if (doubtful) expectation.dues.push(ranWithin(call.delay));
        if (call.dueAt !== null) expectation.dues.push(told(call.dueAt));
        // A re-sent schedule runs last, so the reply (when there is one) is the final word.
        expectation.finalDues = [call.dueAt !== null ? told(call.dueAt) : ranWithin(call.delay)];
        expectation.mayHaveBeenRewritten = doubtful;
      } else if (call.kind === 'reschedule') {
        if (doubtful) expectation.dues.push(ranWithin(call.delay));
        if (call.dueAt !== null) {
          expectation.dues.push(told(call.dueAt));
          expectation.finalDues = [told(call.dueAt)];
        } else if (doubtful) {
          expectation.finalDues.push(ranWithin(call.delay));
        }
      } else if (call.cancelled) {
        expectation.cancelledAt = call.settledAt;
      } else if (doubtful) {
        expectation.mayHaveBeenCancelled = true;
      }
    }
    expectation.mustRun =
      expectation.acknowledged &&
      expectation.cancelledAt === undefined &&
      !expectation.mayHaveBeenCancelled;
    return expectation;
  }

  private async record(
    key: string,
    call: () => Promise<CallOutcome>,
    ifFailed: CallOutcome,
  ): Promise<void> {
    if (this.busy.has(key)) throw new Error(`TaskLedger: a call for ${key} is still running`);
    this.busy.add(key);
    const calledAt = Date.now();
    let outcome = ifFailed;
    let failed = false;
    try {
      outcome = await call();
    } catch {
      failed = true;
    }
    const entry: TaskCall = { ...outcome, key, calledAt, settledAt: Date.now(), failed };
    this.calls.set(key, [...this.history(key), entry]);
    this.busy.delete(key);
  }
}
