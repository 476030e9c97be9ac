import { INestApplicationContext, Provider } from '@nestjs/common';
import IORedis from 'ioredis';
import {
  DelayTaskModule,
  DelayTaskModuleOptions,
  DelayTaskService,
  RedisPermissionError,
} from '../../lib';
import { RedisCluster } from '../../tools/redis-cluster';
import { RedisServer } from '../../lib/testing/redis-server';
import { aclDenials, AclUser, createAclUser, urlAs } from '../support/acl';
import { bootApp } from '../support/boot-app';
import { collectingHandler, EventCollector, freshPrefix } from '../support/fixture-app';
import { LogCapture, restoreConsoleLogger } from '../support/log-capture';
import { clientList } from '../support/redis-info';
import { waitFor, within } from '../support/wait-for';

/** Longest a start may take before it counts as hung. */
const START_WITHIN_MS = 15_000;

/** The README's rule: the module's keys and channels, no dangerous command but INFO. */
const leastPrivilege = (prefix: string) =>
  `+@all -@dangerous +info ~${prefix}:* resetchannels &${prefix}:*`;

/**
 * The module as an ACL user limited to its prefix: scheduled tasks work, it is
 * refused no key and no channel, plain expired keys need exactly one more
 * channel (and the operator's `notify-keyspace-events`), and a refusal at
 * start is a warning or a named error, never a hang.
 */
describe('least privilege (ACL)', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    restoreConsoleLogger();
    jest.restoreAllMocks();
  });

  /** Boots an app as a user would, logs captured; fails if the start hangs. Closed after the test. */
  async function start(
    options: DelayTaskModuleOptions,
    providers: Provider[],
    logs: LogCapture,
  ): Promise<{ app: INestApplicationContext; tasks: DelayTaskService }> {
    const app = await within(
      bootApp({ imports: [DelayTaskModule.forRoot(options)], providers }, logs),
      START_WITHIN_MS,
      'the start',
    );
    cleanups.push(() => app.close());
    return { app, tasks: app.get(DelayTaskService) };
  }

  /** What the servers of `admins` refused `user`: reason and object, most recent first. */
  async function denialsOf(admins: IORedis[], user: AclUser) {
    const logs = await Promise.all(admins.map((admin) => aclDenials(admin)));
    return logs
      .flat()
      .filter((denial) => denial.username === user.username)
      .map(({ reason, object }) => ({ reason, object }));
  }

  describe('on one Redis', () => {
    let redis: RedisServer;
    let admin: IORedis;
    beforeAll(async () => {
      // The operator's setting: an ACL user is refused CONFIG and cannot set it.
      redis = await RedisServer.start({ config: { 'notify-keyspace-events': 'Ex' } });
      admin = new IORedis(redis.url);
    });
    afterAll(async () => {
      admin?.disconnect();
      await redis?.stop();
    });

    it('runs scheduled tasks as a user limited to its prefix, and is refused nothing', async () => {
      const prefix = freshPrefix();
      const user = await createAclUser([admin], leastPrivilege(prefix));
      const logs = new LogCapture();
      const collector = new EventCollector();
      const failing = (key: string) => key.startsWith('job:fail');
      const { tasks } = await start(
        { connection: urlAs(redis, user), prefix, keyspaceEvents: false, maxAttempts: 1 },
        [
          collectingHandler('job:*', collector, (event) => {
            if (failing(event.key)) throw new Error('fails on purpose');
          }),
        ],
        logs,
      );

      // Every script and command of the service, each on the prefix's keys and channel.
      await tasks.schedule('job:1', { n: 1 }, { delay: 20 });
      await tasks.scheduleMany([
        { key: 'job:2', payload: { n: 2 }, delay: 0 },
        { key: 'job:fail:1', payload: null, delay: 0 },
        { key: 'job:fail:2', payload: null, at: Date.now() },
      ]);
      await tasks.schedule('job:later', null, { delay: 60_000 });
      await expect(tasks.get('job:later')).resolves.toMatchObject({ state: 'pending' });
      await expect(tasks.reschedule('job:later', { delay: 120_000 })).resolves.toEqual(
        expect.any(Number),
      );
      await expect(tasks.shift('job:later', -1_000)).resolves.toEqual(expect.any(Number));
      await expect(tasks.cancel('job:later')).resolves.toBe(true);
      const keys = ['job:1', 'job:2', 'job:fail:1', 'job:fail:2'];
      await collector.until((events) => keys.every((key) => events.some((e) => e.key === key)));
      await waitFor(
        async () => (await tasks.stats()).dead === 2,
        10_000,
        'both failing tasks dead-lettered',
      );
      const dead = await tasks.deadLetters({ pattern: 'job:fail:*' });
      expect(dead.items.map((item) => item.key).sort()).toEqual(['job:fail:1', 'job:fail:2']);
      await expect(tasks.requeue('job:fail:1', { delay: 60_000 })).resolves.toEqual(
        expect.any(Number),
      );
      await expect(tasks.cancel('job:fail:1')).resolves.toBe(true);
      await expect(tasks.discard('job:fail:2')).resolves.toBe(true);
      await expect(tasks.stats()).resolves.toMatchObject({
        pending: 0,
        overdue: 0,
        active: 0,
        dead: 0,
      });

      expect(await denialsOf([admin], user)).toEqual([]);
      // What the operator is told: the two dead letters, nothing about permissions.
      expect(logs.messages('warn').sort()).toEqual([
        expect.stringMatching(/^Task "job:fail:1" .* dead-lettered/),
        expect.stringMatching(/^Task "job:fail:2" .* dead-lettered/),
      ]);
      expect(logs.messages('error')).toEqual([
        expect.stringContaining('fails on purpose'),
        expect.stringContaining('fails on purpose'),
      ]);
    });

    it('with plain keys: granted the keyevent channel, it gets expired keys too', async () => {
      const prefix = freshPrefix();
      const user = await createAclUser(
        [admin],
        `${leastPrivilege(prefix)} &__keyevent@0__:expired`,
      );
      const logs = new LogCapture();
      const plain = new EventCollector();
      const scheduled = new EventCollector();
      const { tasks } = await start(
        { connection: urlAs(redis, user), prefix },
        [
          // exclusive: its lock is one of the module's keys, under the prefix.
          collectingHandler('plain:*', plain, undefined, { exclusive: true }),
          collectingHandler('job:*', scheduled),
        ],
        logs,
      );

      const key = `plain:${prefix}`;
      await admin.set(key, 'x', 'PX', 20);
      await expect(plain.forKey(key)).resolves.toMatchObject({ scheduled: false });
      await tasks.schedule('job:1', null, { delay: 0 });
      await expect(scheduled.forKey('job:1')).resolves.toMatchObject({ scheduled: true });

      // CONFIG is refused: the flags are the operator's, and the module says it cannot check them.
      expect(logs.messages('warn')).toEqual([
        expect.stringMatching(/notify-keyspace-events.*config\|get.*"Ex"/),
      ]);
      expect(await denialsOf([admin], user)).toEqual([{ reason: 'command', object: 'config|get' }]);
    });

    it('without plain keys: refused the keyevent channel, it starts, runs scheduled tasks and warns once naming the permission', async () => {
      const prefix = freshPrefix();
      const user = await createAclUser([admin], leastPrivilege(prefix));
      const logs = new LogCapture();
      const collector = new EventCollector();
      // Database 2: the channel, and so the permission, carries its number.
      const { tasks } = await start(
        { connection: `${urlAs(redis, user)}/2`, prefix },
        [collectingHandler('job:*', collector)],
        logs,
      );

      const warnings = logs.messages('warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('(&__keyevent@2__:expired)');
      expect(warnings[0]).toContain('Plain expired keys will not be delivered');
      await tasks.schedule('job:1', { n: 1 }, { delay: 0 });
      await expect(collector.forKey('job:1')).resolves.toMatchObject({ payload: { n: 1 } });
      // Only the subscription was tried: no CONFIG for flags nothing would listen to.
      expect(await denialsOf([admin], user)).toEqual([
        { reason: 'channel', object: '__keyevent@2__:expired' },
      ]);
      expect(await admin.pubsub('NUMPAT')).toBe(0);
    });

    it('without +info it starts all the same (ioredis skips its ready check and says so); CLIENT SETNAME is allowed', async () => {
      const prefix = freshPrefix();
      const user = await createAclUser([admin], `+@all -@dangerous ~${prefix}:* &${prefix}:*`);
      const consoleWarn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
      const logs = new LogCapture();
      const collector = new EventCollector();
      const { tasks } = await start(
        {
          connection: { ...user, host: redis.host, port: redis.port, connectionName: 'orders' },
          prefix,
          keyspaceEvents: false,
        },
        [collectingHandler('job:*', collector)],
        logs,
      );

      await tasks.schedule('job:1', null, { delay: 0 });
      await collector.forKey('job:1');
      expect(consoleWarn).toHaveBeenCalledWith(
        expect.stringContaining('Skipping the ready check because INFO command fails'),
      );
      expect(logs.messages('warn')).toEqual([]);
      expect(logs.messages('log')).toEqual([
        expect.stringMatching(/^Could not check maxmemory-policy/),
      ]);
      const connections = (await clientList(admin)).filter((c) => c.user === user.username);
      expect(connections.length).toBeGreaterThanOrEqual(2);
      expect(connections.every((c) => c.name === 'orders')).toBe(true);
      const denials = await denialsOf([admin], user);
      expect(denials.every((d) => d.reason === 'command')).toBe(true);
      expect(new Set(denials.map((d) => d.object))).toEqual(new Set(['info', 'config|get']));
    });

    /** Starts an instance with a handler as `user`; resolves with what its start rejected with. */
    async function failedStart(user: AclUser, prefix: string): Promise<unknown> {
      const start = bootApp(
        {
          imports: [
            DelayTaskModule.forRoot({
              connection: urlAs(redis, user),
              prefix,
              keyspaceEvents: false,
            }),
          ],
          providers: [collectingHandler('job:*', new EventCollector())],
        },
        new LogCapture(),
      );
      return within(start, START_WITHIN_MS, 'the start').then(
        () => new Error('expected the start to fail'),
        (reason: unknown) => reason,
      );
    }

    it('fails the start with RedisPermissionError when refused its own channels, and closes what it opened', async () => {
      const prefix = freshPrefix();
      const user = await createAclUser([admin], `+@all -@dangerous +info ~${prefix}:*`);
      const error = await failedStart(user, prefix);
      expect(error).toBeInstanceOf(RedisPermissionError);
      expect((error as Error).message).toContain(`Redis at redis://127.0.0.1:${redis.port}`);
      expect((error as Error).message).toContain(`~${prefix}:* &${prefix}:*`);
      expect(await denialsOf([admin], user)).toEqual([
        { reason: 'channel', object: `${prefix}:wake` },
      ]);
      await waitFor(
        async () => (await clientList(admin)).every((c) => c.user !== user.username),
        5_000,
        "the failed start's connections closed",
      );
    });

    it('fails the start with RedisPermissionError when refused its own keys, instead of warning every sweep', async () => {
      const prefix = freshPrefix();
      const user = await createAclUser([admin], `+@all -@dangerous +info &${prefix}:*`);
      const error = await failedStart(user, prefix);
      expect(error).toBeInstanceOf(RedisPermissionError);
      expect((error as Error).message).toContain(`~${prefix}:* &${prefix}:*`);
      const denials = await denialsOf([admin], user);
      expect(denials.length).toBeGreaterThan(0);
      expect(denials.every((d) => d.reason === 'key' && d.object.startsWith(`${prefix}:`))).toBe(
        true,
      );
    });
  });

  describe('on a Redis Cluster', () => {
    let cluster: RedisCluster;
    let admins: IORedis[];
    beforeAll(async () => {
      cluster = await RedisCluster.start({ masters: 3 });
      admins = cluster.masters.map((node) => new IORedis(node.port, node.host));
    });
    afterAll(async () => {
      admins?.forEach((admin) => admin.disconnect());
      await cluster?.stop();
    });

    it('runs scheduled tasks on every shard as the same user on each node; refused the keyevent channel, warns once', async () => {
      const prefix = freshPrefix();
      // Each node keeps its own users: the operator creates the user on every one.
      const user = await createAclUser(admins, leastPrivilege(prefix));
      const logs = new LogCapture();
      const collector = new EventCollector();
      const { tasks } = await start(
        {
          connection: { cluster: cluster.startupNodes, options: { redisOptions: user } },
          prefix,
        },
        [collectingHandler('job:*', collector)],
        logs,
      );

      const items = Array.from({ length: 50 }, (_, i) => ({
        key: `job:${i}`,
        payload: i,
        delay: 0,
      }));
      await tasks.scheduleMany(items);
      await collector.count(50);
      expect(new Set(collector.events.map((e) => e.key)).size).toBe(50);

      const warnings = logs.messages('warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('(&__keyevent@0__:expired)');
      // CLUSTER SLOTS / INFO (topology) and INFO (ready checks) are allowed: only the channel was refused.
      const denials = await denialsOf(admins, user);
      expect(denials.length).toBeGreaterThan(0);
      expect(denials).toEqual(
        denials.map(() => ({ reason: 'channel', object: '__keyevent@0__:expired' })),
      );
    });
  });
});
