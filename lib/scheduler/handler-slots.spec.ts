import { KeyExpiredHandler } from '../discovery/key-expired-handler';
import { RedisGlob } from '../pattern/redis-glob';
import { ClaimedTask } from '../store/task-store';
import { HandlerSlots } from './handler-slots';

function handler(id: string, patterns: string[], concurrency?: number): KeyExpiredHandler {
  return {
    id,
    routes: patterns.map((pattern) => ({ glob: new RedisGlob(pattern), exclusive: false })),
    call: () => undefined,
    ...(concurrency !== undefined && { concurrency }),
  };
}

function task(key: string, done: string[] = []): ClaimedTask {
  return {
    shard: 0,
    key,
    token: `1|${key}@i|`,
    attempt: 1,
    recovered: false,
    done,
    record: { dueAt: 0, payloadJson: '' },
  } as unknown as ClaimedTask;
}

describe('HandlerSlots', () => {
  it('is inactive without a limited handler', () => {
    expect(new HandlerSlots([handler('A.a', ['a:*'])]).active).toBe(false);
  });

  it('reserves room per claim, takes a slot per delivery, frees it when the delivery ends', () => {
    const slots = new HandlerSlots([handler('Mail.send', ['mail:*'], 2)]);
    expect(slots.room()).toBe(2);
    const first = slots.reserve(5);
    expect(first.budgets).toEqual([{ room: 2, patterns: ['mail:*'] }]);
    // A second claim sent meanwhile gets nothing for the handler.
    const second = slots.reserve(5);
    expect(second.budgets[0].room).toBe(0);
    const sent = task('mail:1');
    expect(slots.settle(first, [sent], false)).toBe(false);
    expect(slots.room()).toBe(1);
    // Held back while full at send, room freed meanwhile: claim again now.
    expect(slots.settle(second, [], true)).toBe(true);
    expect(slots.takeWaitingWithRoom().map((slot) => slot.handler.id)).toEqual(['Mail.send']);
    slots.release(sent);
    expect(slots.room()).toBe(2);
  });

  it('counts only the handlers a delivery runs (not those done in an earlier attempt)', () => {
    const slots = new HandlerSlots([
      handler('Mail.send', ['mail:*'], 1),
      handler('Audit.log', ['*'], 1),
    ]);
    const reservation = slots.reserve(1);
    slots.settle(reservation, [task('mail:1', ['Mail.send'])], false);
    // Audit is full, Mail is not: only Audit's slot was taken.
    expect(slots.reserve(1).budgets.map((budget) => budget.room)).toEqual([1, 0]);
  });

  it('asks for a refill once a handler that had tasks held back has room again', () => {
    const slots = new HandlerSlots([
      handler('Mail.send', ['mail:*'], 1),
      handler('Order.x', ['order:*']),
    ]);
    expect(slots.room()).toBe(Infinity); // an unlimited handler: only the module's room counts
    const running = task('mail:1');
    slots.settle(slots.reserve(10), [running], true);
    expect(slots.hasWaitingWithRoom()).toBe(false);
    slots.release(running);
    expect(slots.hasWaitingWithRoom()).toBe(true);
    expect(slots.takeWaitingWithRoom()).toHaveLength(1);
    expect(slots.hasWaitingWithRoom()).toBe(false);
  });
});
