import { KeyExpiredHandler } from '../discovery/key-expired-handler';
import { ClaimedTask, HandlerBudget } from '../store/task-store';

/** A handler with a `concurrency` limit, and how much of it is in use. */
export interface LimitedHandler {
  readonly handler: KeyExpiredHandler;
  readonly patterns: readonly string[];
  readonly limit: number;
  /** Deliveries to it started and not yet ended. */
  running: number;
  /** Room promised to claims still in flight. */
  reserved: number;
  /** A claim passed over a task for it while it was full: claim again as soon as it has room. */
  waiting: boolean;
}

/** Room set aside for one claim in flight, per limited handler. */
export interface SlotReservation {
  readonly budgets: readonly HandlerBudget[];
}

/**
 * Per-handler `concurrency` on this instance: how many deliveries each
 * limited handler has in flight, the room each claim may use, and when a
 * task passed over for a full handler calls for another claim.
 *
 * NOTE: a delivery holds a slot of every limited handler it will run, from
 * the claim's reply (the next claim goes out before the batch is handed to
 * the handlers) until the delivery ends, a timeout or an abort included.
 */
export class HandlerSlots {
  private readonly limited: LimitedHandler[];
  /** Some handler has no limit: the handlers' room is then only the module's. */
  private readonly someUnlimited: boolean;
  private readonly held = new Map<ClaimedTask, LimitedHandler[]>();

  constructor(handlers: readonly KeyExpiredHandler[]) {
    this.limited = handlers.flatMap((handler) =>
      handler.concurrency === undefined
        ? []
        : [
            {
              handler,
              patterns: [...new Set(handler.routes.map((route) => route.glob.pattern))],
              limit: handler.concurrency,
              running: 0,
              reserved: 0,
              waiting: false,
            },
          ],
    );
    this.someUnlimited = handlers.some((handler) => handler.concurrency === undefined);
  }

  /** Whether any handler has a limit (otherwise none of this applies). */
  get active(): boolean {
    return this.limited.length > 0;
  }

  /** Deliveries the handlers could still start together: Infinity while one has no limit. */
  room(): number {
    if (this.someUnlimited) return Infinity;
    return this.limited.reduce((sum, slot) => sum + this.free(slot), 0);
  }

  /** Sets aside each limited handler's room, up to `want`, for a claim about to be sent. */
  reserve(want: number): SlotReservation {
    const budgets = this.limited.map((slot) => {
      const room = Math.min(this.free(slot), want);
      slot.reserved += room;
      return { room, patterns: slot.patterns };
    });
    return { budgets };
  }

  /**
   * The claim's reply is in (or it failed: no tasks): its tasks take their
   * slots and the reservation is given back. Returns whether a handler has
   * tasks waiting and room for them already (it freed while the claim ran).
   */
  settle(reservation: SlotReservation, tasks: readonly ClaimedTask[], heldBack: boolean): boolean {
    this.limited.forEach((slot, index) => (slot.reserved -= reservation.budgets[index].room));
    for (const task of tasks) {
      const slots = this.limited.filter(
        (slot) => !task.done.includes(slot.handler.id) && matches(slot, task.key),
      );
      if (slots.length === 0) continue;
      slots.forEach((slot) => slot.running++);
      this.held.set(task, slots);
    }
    if (!heldBack) return false;
    // NOTE: every handler whose budget this claim used up may have tasks held back, not only
    // those full now: one of theirs may have ended while the claim ran. Those with room again
    // ask for a refill at once (it claims at least one task each, so this ends).
    const spent = this.limited.filter(
      (slot, index) =>
        reservation.budgets[index].room === 0 ||
        this.claimedFor(slot, tasks) >= reservation.budgets[index].room,
    );
    spent.forEach((slot) => (slot.waiting = true));
    return spent.some((slot) => this.free(slot) > 0);
  }

  /** Claiming stopped for lack of room: the handlers full now ask for a claim when they have room. */
  markWaiting(): void {
    for (const slot of this.limited) if (this.free(slot) === 0) slot.waiting = true;
  }

  /** A delivery ended: its slots free. */
  release(task: ClaimedTask): void {
    const slots = this.held.get(task);
    if (!slots) return;
    this.held.delete(task);
    slots.forEach((slot) => slot.running--);
  }

  /** Whether a handler has tasks waiting for it and room for them (its own, or the module's came back). */
  hasWaitingWithRoom(): boolean {
    return this.limited.some((slot) => slot.waiting && this.free(slot) > 0);
  }

  /** The handlers with tasks waiting for them and room now; they stop waiting (a claim is going out). */
  takeWaitingWithRoom(): LimitedHandler[] {
    const ready = this.limited.filter((slot) => slot.waiting && this.free(slot) > 0);
    ready.forEach((slot) => (slot.waiting = false));
    return ready;
  }

  /** More of their tasks may be waiting: a release of theirs asks for a refill. */
  expect(slots: readonly LimitedHandler[]): void {
    slots.forEach((slot) => (slot.waiting = true));
  }

  /** Whether any of `slots` has room left. */
  hasRoom(slots: readonly LimitedHandler[]): boolean {
    return slots.some((slot) => this.free(slot) > 0);
  }

  /** How many of a claim's tasks took a place of `slot`. */
  private claimedFor(slot: LimitedHandler, tasks: readonly ClaimedTask[]): number {
    return tasks.filter((task) => this.held.get(task)?.includes(slot)).length;
  }

  private free(slot: LimitedHandler): number {
    return Math.max(0, slot.limit - slot.running - slot.reserved);
  }
}

function matches(slot: LimitedHandler, key: string): boolean {
  return slot.handler.routes.some((route) => route.glob.matches(key));
}
