/**
 * Preload (`node -r`) that makes this process' wall clock run
 * `CLOCK_SKEW_MS` ahead (negative: behind) of the machine's: `Date.now()`,
 * `new Date()` and `Date()` all see the skewed time. Timers and
 * `performance.now()` are untouched, as they are on a host whose clock is off.
 *
 * Used by worker processes in the clock-skew tests; nothing else loads it.
 */
const skewMs = Number(process.env.CLOCK_SKEW_MS ?? 0);

if (Number.isFinite(skewMs) && skewMs !== 0) {
  const RealDate = Date;
  const realNow = RealDate.now.bind(RealDate);
  const skewedNow = (): number => realNow() + skewMs;

  const SkewedDate = new Proxy(RealDate, {
    construct(target, args: unknown[], newTarget) {
      return Reflect.construct(
        target,
        args.length === 0 ? [skewedNow()] : args,
        newTarget,
      ) as object;
    },
    apply() {
      return new RealDate(skewedNow()).toString();
    },
    get(target, property, receiver) {
      if (property === 'now') return skewedNow;
      return Reflect.get(target, property, receiver) as unknown;
    },
  });

  globalThis.Date = SkewedDate;
}

export {};
