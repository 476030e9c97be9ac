import IORedis from 'ioredis';
import { RedisGlob } from '../../lib/pattern/redis-glob';
import { RedisServer } from '../../lib/testing/redis-server';
import {
  collectingHandler,
  EventCollector,
  FixtureApp,
  freshPrefix,
  startApp,
} from '../support/fixture-app';
import { waitFor } from '../support/wait-for';

/**
 * Routing must agree with Redis' own glob matching, byte for byte. Redis is the
 * oracle: every key below is stored in a db of its own, and what
 * `SCAN … MATCH pattern` returns there is what each path of the module must
 * select — the TypeScript matcher, the plain expired-key path (routing in
 * Node) and the scheduled-task path (the Lua filter in the claim script, then
 * routing in Node).
 *
 * The empty key is left out on purpose: Redis itself is not consistent about
 * it (`SCAN`/`KEYS` treat a lone `*` as "everything" and return it, while the
 * matcher behind them and behind PSUBSCRIBE says `*` does not match "").
 */
// prettier-ignore
const KEYS = [
  // single bytes, the glob metacharacters among them
  'a', 'b', 'c', 'z', 'A', '-', '^', ']', '[', '*', '?', '\\', '_', '`',
  // two and three bytes around the metacharacters
  'aa', 'ab', 'ac', 'a-', 'a]', 'a^', 'a*', 'a?', 'a\\', 'a[',
  'abc', 'abd', 'aXc', 'a*c', 'a?c', 'a[c', 'a]c', 'a\\c', 'a-c', 'a^c', 'a.c', 'a c',
  'abbc', 'aaaa', 'abcabc',
  // the shapes users write
  'order:1', 'order:12', 'order:', 'order:x:y', 'ORDER:1', 'order:*',
  'job:1:done', 'job::done', 'job:1:done:x',
  // multibyte UTF-8: `?` is one byte, ranges compare bytes as signed chars
  'café', 'cafe', 'cafe\u0301', 'caf', 'é', 'ü', '日本', '日本語', '🍮', 'x🍮y', 'xay', 'xy', 'x',
  // control characters
  'new\nline', 'tab\tkey', 'a\0c',
];

/**
 * Keys that are not valid UTF-8, as another program may write them: they can
 * only expire as plain keys (a task key is a string). Bytes above 0x7f are
 * where signed-char range comparison shows. Each decodes (lossily) to a
 * distinct string, so the event's `key` still tells them apart.
 */
// prettier-ignore
const BINARY_KEYS = [[0xff], [0x61, 0x80], [0x78, 0xc3], [0xc3, 0x28], [0x7a, 0xe6, 0x97], [0x61, 0xc3, 0xa9, 0xff]]
  .map((bytes) => Buffer.from(bytes));

// prettier-ignore
const PATTERNS = [
  // wildcards
  '*', '**', '?', '??', '???', 'a*', '*c', 'a*c', 'a**c', '*a*', '*?*', '?*?', 'a?c', 'a??',
  '*b*c*', 'a*a*a*a',
  // classes, negation, ranges (a reversed range is swapped, not empty)
  'a[bX]c', 'a[^b]c', 'a[^bX]c', '[abc]', '[^a]', '[^abc]*', '[a-c]', '[c-a]', '[z-a]*',
  'a[a-z]c', 'a[z-a]c', '[-a]', '[a-]', '[a-c-e]', '[A-a]',
  // empty and unterminated classes
  '[]', '[]a]', '[^]', '[^]*', 'a[', 'a[^', 'a[b', 'a[^b', '[a-',
  // metacharacters inside classes
  'a[*]c', 'a[?]c', 'a[[]c', '[\\]]', 'a[\\]]c', 'a[\\-]c', '[\\a]', '[a\\]', '[\\', 'a[\\^]c',
  // escapes, a trailing backslash among them
  'a\\*c', 'a\\?c', '\\*', '\\?', '\\[', '\\a', 'a\\\\c', 'a\\', '\\', 'a\\[c', '*\\**', '*\\\\*',
  // multibyte
  'caf?', 'caf??', 'caf[é]', 'caf[é]?', 'caf[^e]?', '[a-é]', '[é-ü]?', 'x?y', 'x????y',
  '??????', '日*', '*語', '[日]??*', '*\u0301', 'a?', '?(', 'z??', '[\u0080-\u00ff]*', '*[^a-z]',
  // the shapes users write
  'order:*', 'order:?', 'order:[0-9]*', 'ORDER:*', '*:*:*', 'job:*:done', 'job:?*:done',
  '*\n*', '*\t*',
];

/** A key outside the universe whose expiry, arriving last, says every earlier one was routed. */
const MARKER = 'zz-marker';

/** Every key, as bytes; its name is how an event's `key` shows it (lossy UTF-8 decoding). */
const UNIVERSE = [...KEYS.map((key) => Buffer.from(key, 'utf8')), ...BINARY_KEYS];
const nameOf = (key: Buffer): string => key.toString('utf8');

const sorted = (keys: Iterable<string>): string[] => [...keys].sort();

describe('glob routing agrees with Redis', () => {
  let redis: RedisServer;
  let client: IORedis;
  let reference: IORedis;
  /** What Redis itself selects from the universe, per pattern (key names). */
  const expected: Record<string, string[]> = {};
  const instances: Array<{
    pattern: string;
    collector: EventCollector;
    markers: EventCollector;
    fixture: FixtureApp;
  }> = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    client = new IORedis(redis.url);
    reference = new IORedis(`${redis.url}/1`);

    await reference.mset(UNIVERSE.flatMap((key) => [key, '1']));
    for (const pattern of PATTERNS) {
      const found = new Set<string>();
      let cursor = '0';
      do {
        const [next, keys] = await reference.scanBuffer(cursor, 'MATCH', pattern, 'COUNT', 10_000);
        keys.forEach((key) => found.add(nameOf(key)));
        cursor = next.toString();
      } while (cursor !== '0');
      expected[pattern] = sorted(found);
    }

    // One app per pattern, each with its own prefix: the claim script filters by
    // the union of an instance's patterns, so one pattern per instance tests each alone.
    // The marker handler's literal pattern matches no key of the universe.
    await Promise.all(
      PATTERNS.map(async (pattern) => {
        const collector = new EventCollector();
        const markers = new EventCollector();
        const fixture = await startApp({ connection: redis.url, prefix: freshPrefix() }, [
          collectingHandler(pattern, collector),
          collectingHandler(MARKER, markers),
        ]);
        instances.push({ pattern, collector, markers, fixture });
      }),
    );
  });

  afterAll(async () => {
    await Promise.all(instances.map(({ fixture }) => fixture.close()));
    reference?.disconnect();
    client?.disconnect();
    await redis?.stop();
  });

  it('the oracle is sound and not trivial', () => {
    // A broken setup (keys not stored, SCAN misused, names colliding) must not pass every comparison.
    expect(new Set(PATTERNS).size).toBe(PATTERNS.length);
    expect(new Set(UNIVERSE.map(nameOf)).size).toBe(UNIVERSE.length);
    expect(expected['*']).toEqual(sorted(UNIVERSE.map(nameOf)));
    expect(expected['caf?']).toEqual(['cafe']);
    expect(expected['caf??']).toEqual(['café']);
    expect(expected['[]']).toEqual([]);
    const distinct = new Set(Object.values(expected).map((keys) => keys.join('\0')));
    expect(distinct.size).toBeGreaterThan(PATTERNS.length / 2);
  });

  it('the TypeScript matcher selects what SCAN MATCH selects', () => {
    const actual = Object.fromEntries(
      PATTERNS.map((pattern) => {
        const glob = new RedisGlob(pattern);
        return [pattern, sorted(UNIVERSE.filter((key) => glob.matches(key)).map(nameOf))];
      }),
    );
    expect(actual).toEqual(expected);
  });

  it('plain expired keys reach exactly the handlers whose pattern Redis matches', async () => {
    const pipeline = client.multi();
    for (const key of UNIVERSE) pipeline.set(key, 'x', 'PX', 1);
    await pipeline.exec();
    // Reading an expired key makes Redis reclaim it and publish `expired` right away,
    // so every event is out before the marker's.
    await waitFor(async () => (await client.exists(...UNIVERSE)) === 0, 5_000, 'keys expired');
    await client.set(MARKER, 'x', 'PX', 1);
    await waitFor(async () => (await client.exists(MARKER)) === 0, 5_000, 'marker expired');
    // Pub/Sub keeps order on each connection and the router dispatches in arrival order:
    // once an instance saw the marker, it has routed every key.
    await Promise.all(
      instances.map(({ markers }) =>
        markers.until((events) => events.some((e) => !e.scheduled && e.key === MARKER)),
      ),
    );

    const routed = Object.fromEntries(
      instances.map(({ pattern, collector }) => [
        pattern,
        sorted(collector.events.filter((e) => !e.scheduled && e.key !== MARKER).map((e) => e.key)),
      ]),
    );
    expect(routed).toEqual(expected);
  });

  it('scheduled tasks are claimed and routed exactly where Redis matches', async () => {
    // Task keys are strings: the binary keys cannot be scheduled.
    const expectedTasks = Object.fromEntries(
      PATTERNS.map((pattern) => [pattern, expected[pattern].filter((key) => KEYS.includes(key))]),
    );
    // Due times in the past, the marker's strictly after every other: it is claimed last.
    const dueAt = Date.now() - 60_000;
    await Promise.all(
      instances.map(async ({ fixture }) => {
        await fixture.tasks.scheduleMany(KEYS.map((key) => ({ key, payload: key, at: dueAt })));
        await fixture.tasks.schedule(MARKER, null, { at: dueAt + 1 });
      }),
    );
    await Promise.all(
      instances.map(({ markers }) =>
        markers.until((events) => events.some((e) => e.scheduled && e.key === MARKER)),
      ),
    );

    const routed: Record<string, string[]> = {};
    const claimed: Record<string, string[]> = {};
    await Promise.all(
      instances.map(async ({ pattern, collector, fixture }) => {
        const events = collector.events.filter((e) => e.scheduled && e.key !== MARKER);
        expect(events.every((e) => e.payload === e.key)).toBe(true);
        routed[pattern] = sorted(events.map((e) => e.key));
        // What the claim script took is no longer pending (acknowledged, or still in flight);
        // what it left is still waiting, overdue, for an instance that can handle it.
        const infos = await Promise.all(KEYS.map((key) => fixture.tasks.get(key)));
        claimed[pattern] = sorted(KEYS.filter((_key, i) => infos[i]?.state !== 'pending'));
      }),
    );
    expect(claimed).toEqual(expectedTasks);
    expect(routed).toEqual(expectedTasks);
  });
});
