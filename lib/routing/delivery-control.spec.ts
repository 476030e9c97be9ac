import { ABORTED, DeliveryControl } from './delivery-control';

describe('DeliveryControl', () => {
  it('makes the signal only when read, born aborted if the abort came first', () => {
    const control = new DeliveryControl();
    const reason = new Error('stop');
    control.abort(reason);
    control.abort(new Error('later reasons lose'));
    expect(control.signal.aborted).toBe(true);
    expect(control.signal.reason).toBe(reason);
  });

  it('aborts children with it; a child aborts alone', () => {
    const parent = new DeliveryControl();
    const child = parent.child();
    const sibling = parent.child();
    child.abort(new Error('timeout'));
    expect(parent.aborted).toBe(false);
    expect(sibling.aborted).toBe(false);
    const reason = new Error('cancel');
    parent.abort(reason);
    expect(sibling.signal.reason).toBe(reason);
    expect(child.reason?.message).toBe('timeout');
  });

  it('races work against the abort; plain values pass straight through', async () => {
    const control = new DeliveryControl();
    expect(control.race(7)).toBe(7);
    await expect(control.race(Promise.resolve(8))).resolves.toBe(8);
    const never = control.race(new Promise<number>(() => undefined));
    control.abort(new Error('stop'));
    await expect(never).resolves.toBe(ABORTED);
    expect(control.race(9)).toBe(ABORTED);
  });

  it('gives events a signal getter that does not copy the controller into the fields', () => {
    const control = new DeliveryControl();
    const event = control.event({
      key: 'k',
      scheduled: true,
      firedAt: 1,
      attempt: 1,
      source: 'timer',
      db: 0,
    });
    expect(event.signal).toBe(control.signal);
    expect(event.key).toBe('k');
  });
});
