/** Counts work in progress and lets shutdown wait for it to finish, up to a deadline. */
export class InFlight {
  private count = 0;
  private idleWaiters: Array<() => void> = [];

  get size(): number {
    return this.count;
  }

  /**
   * Tracks a piece of work until it settles, then calls `onSettled`.
   *
   * NOTE: one `then` per piece of work rather than `finally` chains: a burst
   * of due tasks tracks a hundred thousand of them.
   */
  track(work: Promise<unknown>, onSettled?: () => void): void {
    this.count++;
    const settle = () => {
      this.count--;
      if (this.count === 0 && this.idleWaiters.length > 0) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        waiters.forEach((resolve) => resolve());
      }
      onSettled?.();
    };
    work.then(settle, settle);
  }

  /** Resolves once nothing is in flight. */
  whenIdle(): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Resolves `true` once nothing is in flight, or `false` if `timeoutMs` passes first. */
  async idle(timeoutMs: number): Promise<boolean> {
    if (this.count === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const idle = new Promise<boolean>((resolve) => this.idleWaiters.push(() => resolve(true)));
    const timeout = new Promise<boolean>(
      (resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)),
    );
    const result = await Promise.race([idle, timeout]);
    clearTimeout(timer);
    return result;
  }
}
