import { INestApplicationContext } from '@nestjs/common';
import IORedis from 'ioredis';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DelayTaskModule, DelayTaskModuleOptions, DelayTaskService } from '../../lib';
import { RedisConfig, RedisServer } from '../../lib/testing/redis-server';
import { bootApp } from '../support/boot-app';
import { collectingHandler, EventCollector, freshPrefix } from '../support/fixture-app';
import { LogCapture, restoreConsoleLogger } from '../support/log-capture';
import { commandCalls, keyspaceFlags } from '../support/redis-info';

/**
 * `notify-keyspace-events` handling at start: missing E/x are added without
 * dropping anything, complete flags are left alone, `keyspaceEvents: false`
 * touches nothing, and a Redis that forbids CONFIG gets one clear warning.
 */
describe('keyspace flags', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    restoreConsoleLogger();
  });

  async function server(config: RedisConfig): Promise<{ redis: RedisServer; client: IORedis }> {
    const redis = await RedisServer.start({ config });
    cleanups.push(() => redis.stop());
    const client = new IORedis(redis.url);
    cleanups.push(() => client.disconnect());
    return { redis, client };
  }

  async function start(
    redis: RedisServer,
    logs: LogCapture,
    collector: EventCollector,
    options: Partial<DelayTaskModuleOptions> = {},
  ): Promise<{ app: INestApplicationContext; tasks: DelayTaskService }> {
    const app = await bootApp(
      {
        imports: [
          DelayTaskModule.forRoot({ connection: redis.url, prefix: freshPrefix(), ...options }),
        ],
        providers: [collectingHandler('k:*', collector)],
      },
      logs,
    );
    cleanups.push(() => app.close());
    return { app, tasks: app.get(DelayTaskService) };
  }

  /** A plain key with a TTL reaches the handler: Redis publishes expirations and the module listens. */
  async function expectPlainExpiryDelivered(client: IORedis, collector: EventCollector) {
    const key = `k:plain:${freshPrefix()}`;
    await client.set(key, 'x', 'PX', 20);
    const event = await collector.forKey(key, 5_000);
    expect(event).toMatchObject({ scheduled: false, source: 'keyspace' });
  }

  it('adds E and x to flags that lack them, keeping every flag already set', async () => {
    const { redis, client } = await server({ 'notify-keyspace-events': 'Kg' });
    const before = await keyspaceFlags(client);
    const logs = new LogCapture();
    const collector = new EventCollector();
    await start(redis, logs, collector);

    const after = await keyspaceFlags(client);
    expect([...after]).toEqual(expect.arrayContaining([...before, 'E', 'x']));
    expect(await commandCalls(client, 'config|set')).toBe(1);
    const line = logs.messages('log').find((m) => m.includes('notify-keyspace-events'));
    expect(line).toContain(`"${before}"`);
    await expectPlainExpiryDelivered(client, collector);
  });

  it.each(['Ex', 'AKE', 'Egx$'])('leaves complete flags "%s" untouched', async (flags) => {
    const { redis, client } = await server({ 'notify-keyspace-events': flags });
    const before = await keyspaceFlags(client);
    const logs = new LogCapture();
    const collector = new EventCollector();
    await start(redis, logs, collector);

    expect(await keyspaceFlags(client)).toBe(before);
    expect(await commandCalls(client, 'config|set')).toBe(0);
    expect(logs.messages('log')).not.toContainEqual(
      expect.stringContaining('notify-keyspace-events'),
    );
    expect(logs.messages('warn')).toEqual([]);
    await expectPlainExpiryDelivered(client, collector);
  });

  it('with keyspaceEvents: false neither touches the flags nor subscribes to expirations', async () => {
    const { redis, client } = await server({ 'notify-keyspace-events': 'Kg' });
    const before = await keyspaceFlags(client);
    const logs = new LogCapture();
    const collector = new EventCollector();
    const { tasks } = await start(redis, logs, collector, { keyspaceEvents: false });

    expect(await keyspaceFlags(client)).toBe(before);
    expect(await commandCalls(client, 'config|set')).toBe(0);
    expect(await client.pubsub('NUMPAT')).toBe(0);
    // Still a working scheduler: it has a handler, so it claims scheduled tasks.
    await tasks.schedule('k:task', null, { delay: 0 });
    await expect(collector.forKey('k:task')).resolves.toMatchObject({ scheduled: true });
  });

  describe('where CONFIG is forbidden', () => {
    let confDir: string;
    beforeAll(() => {
      confDir = mkdtempSync(join(tmpdir(), 'delay-task-conf-'));
      // A managed Redis: CONFIG renamed away (only possible in a configuration file).
      writeFileSync(join(confDir, 'no-config.conf'), 'rename-command CONFIG ""\n');
    });
    afterAll(() => rmSync(confDir, { recursive: true, force: true }));

    it('starts, says so in one warning naming the setting, and plain events flow if the operator set them', async () => {
      const { redis, client } = await server({
        include: join(confDir, 'no-config.conf'),
        'notify-keyspace-events': 'Ex',
      });
      await expect(client.config('GET', 'notify-keyspace-events')).rejects.toThrow(
        /unknown command/i,
      );
      const logs = new LogCapture();
      const collector = new EventCollector();
      const { tasks } = await start(redis, logs, collector);

      const warnings = logs.messages('warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('notify-keyspace-events');
      expect(warnings[0]).toContain(`127.0.0.1:${redis.port}`);
      await expectPlainExpiryDelivered(client, collector);
      await tasks.schedule('k:task', null, { delay: 0 });
      await expect(collector.forKey('k:task')).resolves.toMatchObject({ scheduled: true });
    });

    it('still runs scheduled tasks when the flags are missing too', async () => {
      const { redis } = await server({ include: join(confDir, 'no-config.conf') });
      const logs = new LogCapture();
      const collector = new EventCollector();
      const { tasks } = await start(redis, logs, collector);

      expect(logs.messages('warn')).toEqual([
        expect.stringMatching(/notify-keyspace-events.*"Ex"/),
      ]);
      await tasks.schedule('k:task', { n: 1 }, { delay: 0 });
      await expect(collector.forKey('k:task')).resolves.toMatchObject({ payload: { n: 1 } });
    });
  });
});
