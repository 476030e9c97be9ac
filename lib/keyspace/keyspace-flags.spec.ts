import type { Redis } from 'ioredis';
import { ensureKeyspaceFlags, mergeKeyspaceFlags } from './keyspace-flags';

/** Every flag `notify-keyspace-events` knows (Redis 7), `A` being the alias of "g$lshzxet". */
const FLAGS = 'KEg$lshzxetmndA';

/** Whether `flags` make Redis publish keyevent notifications of expirations. */
const publishesExpired = (flags: string) =>
  flags.includes('E') && (flags.includes('x') || flags.includes('A'));

describe('mergeKeyspaceFlags', () => {
  it.each([
    ['', 'Ex'],
    ['K', 'KEx'],
    ['Kg', 'KgEx'],
    ['E', 'Ex'],
    ['x', 'xE'],
    ['Kx', 'KxE'],
    ['A', 'AE'],
    ['KA', 'KAE'],
    // Lower-case e is "evicted", not keyevent: it does not count as E.
    ['e', 'eEx'],
    ['Ke$', 'Ke$Ex'],
  ])('adds what "%s" lacks: "%s"', (current, merged) => {
    expect(mergeKeyspaceFlags(current)).toBe(merged);
  });

  it.each(['Ex', 'xE', 'AE', 'EA', 'KEA', 'AKE', 'gxKE', 'KEg$lshzxetmnd', 'EAmn'])(
    'leaves complete flags "%s" as they are',
    (current) => {
      expect(mergeKeyspaceFlags(current)).toBe(current);
    },
  );

  it('never drops or reorders a flag, adds only what is missing, and is idempotent', () => {
    // Every subset of the flag alphabet, in its order and reversed; violations are
    // collected rather than asserted one by one, which would take jest seconds.
    const violations: string[] = [];
    for (let mask = 0; mask < 1 << FLAGS.length; mask++) {
      const subset = [...FLAGS].filter((_, i) => mask & (1 << i)).join('');
      for (const current of [subset, [...subset].reverse().join('')]) {
        const merged = mergeKeyspaceFlags(current);
        const added = merged.slice(current.length);
        const ok =
          merged.startsWith(current) &&
          publishesExpired(merged) &&
          /^(E?x?|x?E?)$/.test(added) &&
          (!publishesExpired(current) || added === '') &&
          mergeKeyspaceFlags(merged) === merged;
        if (!ok) violations.push(`"${current}" -> "${merged}"`);
      }
    }
    expect(violations).toEqual([]);
  });
});

describe('ensureKeyspaceFlags', () => {
  /** A stand-in client answering CONFIG GET with `flags`; `fail` makes GET or SET reject. */
  function fakeClient(flags: string, fail: { get?: Error; set?: Error } = {}) {
    const config = jest.fn(async (action: string, ...args: string[]): Promise<unknown> => {
      if (action === 'GET') {
        if (fail.get) throw fail.get;
        return [args[0], flags];
      }
      if (action === 'SET') {
        if (fail.set) throw fail.set;
        return 'OK';
      }
      throw new Error(`unexpected CONFIG ${action}`);
    });
    return { client: { config } as unknown as Redis, config };
  }

  it('sets the merged flags, and only that', async () => {
    const { client, config } = fakeClient('gK');
    await expect(ensureKeyspaceFlags(client)).resolves.toEqual({
      kind: 'merged',
      before: 'gK',
      after: 'gKEx',
    });
    expect(config.mock.calls).toEqual([
      ['GET', 'notify-keyspace-events'],
      ['SET', 'notify-keyspace-events', 'gKEx'],
    ]);
  });

  it('only reads complete flags', async () => {
    const { client, config } = fakeClient('AKE');
    await expect(ensureKeyspaceFlags(client)).resolves.toEqual({ kind: 'unchanged', flags: 'AKE' });
    expect(config).toHaveBeenCalledTimes(1);
  });

  it('reports a refused CONFIG GET without trying to set anything', async () => {
    const { client, config } = fakeClient('', {
      get: new Error("ERR unknown command 'config'"),
    });
    await expect(ensureKeyspaceFlags(client)).resolves.toEqual({
      kind: 'refused',
      reason: "ERR unknown command 'config'",
    });
    expect(config).toHaveBeenCalledTimes(1);
  });

  it('reports a refused CONFIG SET (e.g. an ACL that allows reading only)', async () => {
    const { client } = fakeClient('', { set: new Error('NOPERM no permission') });
    await expect(ensureKeyspaceFlags(client)).resolves.toEqual({
      kind: 'refused',
      reason: 'NOPERM no permission',
    });
  });
});
