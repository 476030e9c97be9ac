import IORedis from 'ioredis';
import { DelayTaskModule, DelayTaskModuleOptions } from '../../lib';
import { RedisCluster } from '../../tools/redis-cluster';
import { RedisConfig, RedisServer } from '../../lib/testing/redis-server';
import { aclDenials, createAclUser, urlAs } from '../support/acl';
import { bootApp } from '../support/boot-app';
import { collectingHandler, EventCollector, freshPrefix } from '../support/fixture-app';
import { LogCapture, restoreConsoleLogger } from '../support/log-capture';

/** The module's lines about `maxmemory-policy`, by level. */
const evictionLines = (logs: LogCapture, level: 'warn' | 'log') =>
  logs.messages(level).filter((message) => message.includes('maxmemory-policy'));

/**
 * `maxmemory-policy` at start: one warning when a server the module writes to
 * may evict keys under memory pressure, silence under `noeviction`, and one
 * plain line where the policy cannot be read.
 */
describe('eviction policy check', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    restoreConsoleLogger();
    jest.restoreAllMocks();
  });

  async function server(config: RedisConfig): Promise<RedisServer> {
    const redis = await RedisServer.start({ config });
    cleanups.push(() => redis.stop());
    return redis;
  }

  /** Starts an app with one handler, capturing its logs; closed after the test. */
  async function start(connection: DelayTaskModuleOptions['connection'], logs: LogCapture) {
    const collector = new EventCollector();
    const app = await bootApp(
      {
        imports: [DelayTaskModule.forRoot({ connection, prefix: freshPrefix() })],
        providers: [collectingHandler('job:*', collector)],
      },
      logs,
    );
    cleanups.push(() => app.close());
    return collector;
  }

  it('warns once, naming the setting, its value and what can be lost, when any key may be evicted', async () => {
    const redis = await server({ 'maxmemory-policy': 'allkeys-lru' });
    const logs = new LogCapture();
    await start(redis.url, logs);

    expect(logs.messages('warn')).toHaveLength(1);
    const [warning] = evictionLines(logs, 'warn');
    expect(warning).toContain(`maxmemory-policy is "allkeys-lru" on ${redis.url}`);
    expect(warning).toContain('scheduled tasks, their index and dead letters can be lost');
    expect(warning).toContain('Set maxmemory-policy noeviction');
  });

  it('says nothing under noeviction', async () => {
    const redis = await server({ 'maxmemory-policy': 'noeviction' });
    const logs = new LogCapture();
    const collector = await start(redis.url, logs);

    expect(logs.messages('warn')).toEqual([]);
    expect(evictionLines(logs, 'log')).toEqual([]);
    // The check is only a look: the app runs as usual.
    const admin = new IORedis(redis.url);
    cleanups.push(() => admin.disconnect());
    await admin.set('job:plain', 'x', 'PX', 10);
    await expect(collector.forKey('job:plain')).resolves.toMatchObject({ scheduled: false });
  });

  it('under a volatile-* policy says what that risks: keys with a TTL, not the task records', async () => {
    const redis = await server({ 'maxmemory-policy': 'volatile-ttl' });
    const logs = new LogCapture();
    await start(redis.url, logs);

    const warnings = evictionLines(logs, 'warn');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"volatile-ttl"');
    expect(warnings[0]).toContain('keys that have a TTL');
    expect(warnings[0]).not.toContain('scheduled tasks');
  });

  it('where INFO and CONFIG are refused, says in one line that it could not check, and starts', async () => {
    const redis = await server({ 'maxmemory-policy': 'allkeys-lru' });
    const admin = new IORedis(redis.url);
    cleanups.push(() => admin.disconnect());
    const prefix = freshPrefix();
    const user = await createAclUser([admin], `+@all -@dangerous ~${prefix}:* &${prefix}:*`);
    // ioredis reports its skipped ready check (INFO refused) on the console; the ACL test covers it.
    jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const logs = new LogCapture();
    const collector = new EventCollector();
    const app = await bootApp(
      {
        imports: [
          DelayTaskModule.forRoot({
            connection: urlAs(redis, user),
            prefix,
            keyspaceEvents: false,
          }),
        ],
        providers: [collectingHandler('job:*', collector)],
      },
      logs,
    );
    cleanups.push(() => app.close());

    expect(logs.messages('warn')).toEqual([]);
    const lines = evictionLines(logs, 'log');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      /^Could not check maxmemory-policy on redis:\/\/127\.0\.0\.1:\d+ \(NOPERM/,
    );
    const refused = (await aclDenials(admin)).map((denial) => denial.object);
    expect(refused).toEqual(expect.arrayContaining(['info', 'config|get']));
  });

  describe('on a Redis Cluster', () => {
    let cluster: RedisCluster;
    beforeAll(
      async () =>
        (cluster = await RedisCluster.start({
          masters: 3,
          config: { 'maxmemory-policy': 'allkeys-lfu' },
        })),
    );
    afterAll(async () => cluster?.stop());

    it('reads every master and warns once, naming each', async () => {
      const logs = new LogCapture();
      await start({ cluster: cluster.startupNodes }, logs);

      const warnings = evictionLines(logs, 'warn');
      expect(warnings).toHaveLength(1);
      for (const master of cluster.masters) {
        expect(warnings[0]).toContain(`"allkeys-lfu" on 127.0.0.1:${master.port}`);
      }
    });
  });
});
