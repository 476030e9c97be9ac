import IORedis from 'ioredis';
import {
  DelayTaskError,
  DelayTaskService,
  InvalidDelayError,
  InvalidOptionsError,
  InvalidPatternError,
  InvalidPayloadError,
  InvalidTaskKeyError,
  PayloadTooLargeError,
  ScheduleOptions,
} from '../../lib';
import { RedisServer } from '../../lib/testing/redis-server';
import {
  collectingHandler,
  EventCollector,
  FixtureApp,
  freshPrefix,
  startApp,
} from '../support/fixture-app';

describe('bad input: a named error, and nothing written', () => {
  let redis: RedisServer;
  let client: IORedis;
  let fixture: FixtureApp;
  let tasks: DelayTaskService;
  beforeAll(async () => {
    redis = await RedisServer.start();
    client = new IORedis(redis.url);
    fixture = await startApp(
      { connection: redis.url, prefix: freshPrefix(), maxPayloadBytes: 1_024 },
      [collectingHandler('never:*', new EventCollector())],
    );
    tasks = fixture.tasks;
  });
  afterAll(async () => {
    await fixture.close();
    client.disconnect();
    await redis.stop();
  });

  /** Everything the module stored, to compare before and after a rejected call. */
  async function snapshot(): Promise<string> {
    const keys = (await client.keys('*')).sort();
    const dumps = await Promise.all(
      keys.map(async (key) => `${key}=${(await client.dumpBuffer(key))?.toString('hex')}`),
    );
    return dumps.join('\n');
  }

  const circular: Record<string, unknown> = {};
  circular.self = circular;
  const ok = { delay: 1_000 };

  const cases: Array<
    [string, () => Promise<unknown>, new (...args: never[]) => DelayTaskError, RegExp]
  > = [
    ['empty key', () => tasks.schedule('', 1, ok), InvalidTaskKeyError, /non-empty string/],
    [
      'non-string key',
      () => tasks.schedule(42 as unknown as string, 1, ok),
      InvalidTaskKeyError,
      /got number 42/,
    ],
    [
      'negative delay',
      () => tasks.schedule('k', 1, { delay: -1 }),
      InvalidDelayError,
      /0 or more; got number -1/,
    ],
    ['NaN delay', () => tasks.schedule('k', 1, { delay: NaN }), InvalidDelayError, /NaN/],
    [
      'Infinity delay',
      () => tasks.schedule('k', 1, { delay: Infinity }),
      InvalidDelayError,
      /Infinity/,
    ],
    [
      'string delay',
      () => tasks.schedule('k', 1, { delay: '5' } as unknown as ScheduleOptions),
      InvalidDelayError,
      /"5"/,
    ],
    [
      'invalid date',
      () => tasks.schedule('k', 1, { at: new Date('nope') }),
      InvalidDelayError,
      /invalid Date/,
    ],
    [
      'both delay and at',
      () => tasks.schedule('k', 1, { delay: 1, at: 1 } as unknown as ScheduleOptions),
      InvalidDelayError,
      /exactly one/,
    ],
    [
      'neither delay nor at',
      () => tasks.schedule('k', 1, {} as ScheduleOptions),
      InvalidDelayError,
      /exactly one/,
    ],
    [
      'BigInt payload',
      () => tasks.schedule('k', { n: 1n }, ok),
      InvalidPayloadError,
      /not JSON-serialisable.*BigInt/,
    ],
    ['circular payload', () => tasks.schedule('k', circular, ok), InvalidPayloadError, /circular/],
    ['function payload', () => tasks.schedule('k', () => 1, ok), InvalidPayloadError, /function/],
    [
      'payload over the limit',
      () => tasks.schedule('k', 'x'.repeat(1_100), ok),
      PayloadTooLargeError,
      /1102 bytes.*1024/,
    ],
    [
      'bad maxAttempts',
      () => tasks.schedule('k', 1, { delay: 1, maxAttempts: 0 }),
      InvalidOptionsError,
      /maxAttempts/,
    ],
    [
      'function backoff per task',
      () =>
        tasks.schedule('k', 1, {
          delay: 1,
          backoff: (() => 1) as unknown as ScheduleOptions['backoff'],
        }),
      InvalidOptionsError,
      /backoff/,
    ],
    [
      'one bad item in scheduleMany',
      () =>
        tasks.scheduleMany<unknown>([
          { key: 'a', payload: 1, delay: 1 },
          { key: 'b', payload: 1n, delay: 1 },
        ]),
      InvalidPayloadError,
      /"b"/,
    ],
    ['shift by NaN', () => tasks.shift('k', NaN), InvalidDelayError, /shift/],
    [
      'reschedule with a negative delay',
      () => tasks.reschedule('k', { delay: -5 }),
      InvalidDelayError,
      /delay/,
    ],
    ['cancel an empty key', () => tasks.cancel(''), InvalidTaskKeyError, /non-empty/],
    [
      'get a non-string key',
      () => tasks.get(undefined as unknown as string),
      InvalidTaskKeyError,
      /undefined/,
    ],
    [
      'dead letters with a bad limit',
      () => tasks.deadLetters({ limit: 0 }),
      InvalidOptionsError,
      /limit/,
    ],
  ];

  it.each(cases)('%s', async (_name, call, errorClass, message) => {
    const before = await snapshot();
    const attempt = call();
    await expect(attempt).rejects.toBeInstanceOf(errorClass);
    await expect(attempt).rejects.toThrow(message);
    await expect(attempt).rejects.toHaveProperty('name', errorClass.name);
    expect(await snapshot()).toBe(before);
  });

  it('rejects an empty or non-string pattern for on()', () => {
    expect(() => tasks.on('')).toThrow(InvalidPatternError);
    expect(() => tasks.on(7 as unknown as string)).toThrow(InvalidPatternError);
  });

  it('accepts a moment in the past (it fires now) and a payload right at the limit', async () => {
    const atLimit = 'x'.repeat(1_022); // 1,024 bytes of JSON with the quotes
    await expect(tasks.schedule('ok:limit', atLimit, { at: 0 })).resolves.toMatchObject({
      key: 'ok:limit',
      dueAt: 0,
    });
    await tasks.cancel('ok:limit');
  });
});
