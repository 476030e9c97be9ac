import { ExpiredKeyEvent } from '../interfaces/expired-key-event.interface';

/** An event as its source builds it; the router adds the signal. */
export type UnsignalledEvent = Omit<ExpiredKeyEvent, 'signal'>;

/** What `DeliveryControl.race` settles with when the delivery was aborted first. */
export const ABORTED = Symbol('aborted');

/**
 * The abort side of one delivery (or of one handler's part in it, with a
 * timeout): the `event.signal` handlers see, and a way for the module to stop
 * waiting for them.
 *
 * NOTE: the `AbortController` is made only when a handler reads
 * `event.signal` (it costs microseconds, and a burst of due tasks makes a
 * hundred thousand deliveries); aborted before that, the signal is born aborted.
 */
export class DeliveryControl {
  private controller?: AbortController;
  private abortReason?: Error;
  private waiters?: Array<() => void>;
  private children?: DeliveryControl[];

  /** @param claim `"<claim number>|<key>"` of the scheduled delivery it controls, as the abort channel names it. */
  constructor(readonly claim?: string) {}

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortReason) this.controller.abort(this.abortReason);
    }
    return this.controller.signal;
  }

  get aborted(): boolean {
    return this.abortReason !== undefined;
  }

  /** Why it was aborted, once it was. */
  get reason(): Error | undefined {
    return this.abortReason;
  }

  /** Aborts the signal (and those of its children); the first reason wins. */
  abort(reason: Error): void {
    if (this.abortReason) return;
    this.abortReason = reason;
    this.controller?.abort(reason);
    this.children?.forEach((child) => child.abort(reason));
    this.waiters?.forEach((wake) => wake());
    this.waiters = undefined;
  }

  /** A control that aborts with this one, and may also abort by itself (a handler's timeout). */
  child(): DeliveryControl {
    const child = new DeliveryControl();
    if (this.abortReason) child.abort(this.abortReason);
    else (this.children ??= []).push(child);
    return child;
  }

  /** Settles as `work` does, or with `ABORTED` as soon as this control aborts, whichever comes first. */
  race<T>(work: T | Promise<T>): T | typeof ABORTED | Promise<T | typeof ABORTED> {
    if (this.abortReason) return ABORTED;
    if (!(work instanceof Promise)) return work;
    return new Promise<T | typeof ABORTED>((resolve, reject) => {
      (this.waiters ??= []).push(() => resolve(ABORTED));
      work.then(resolve, reject);
    });
  }

  /** `fields` as handlers receive them, with this control's signal. */
  event(fields: UnsignalledEvent): ExpiredKeyEvent {
    // Object.assign gave it every field of `fields`; the class adds the signal.
    return new DeliveredEvent(fields, this) as DeliveredEvent & UnsignalledEvent;
  }
}

/**
 * An event as handlers receive it: the fields its source built, and a
 * `signal` made only if a handler reads it.
 *
 * NOTE: a class with the getter on its prototype, not an object literal with
 * an own getter: every event then has one shape, cheap to build and to read
 * in a burst, and JSON or a spread of it carries no signal.
 */
class DeliveredEvent {
  readonly #control: DeliveryControl;

  constructor(fields: UnsignalledEvent, control: DeliveryControl) {
    Object.assign(this, fields);
    this.#control = control;
  }

  get signal(): AbortSignal {
    return this.#control.signal;
  }
}
