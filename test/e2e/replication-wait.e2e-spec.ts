import IORedis from 'ioredis';
import { InvalidOptionsError, ReplicationTimeoutError } from '../../lib';
import { RedisServer } from '../../lib/testing/redis-server';
import { freshPrefix, startApp } from '../support/fixture-app';
import { waitFor } from '../support/wait-for';

/**
 * The `replication` opt-in: schedule resolves only once a replica has the
 * task, and rejects with a named error (the task written all the same) when
 * none acknowledged in time.
 */
describe('replication: wait for replicas after scheduling', () => {
  let primary: RedisServer;
  let replica: RedisServer;
  let replicaClient: IORedis;
  beforeAll(async () => {
    primary = await RedisServer.start();
    replica = await RedisServer.start({ config: { replicaof: `127.0.0.1 ${primary.port}` } });
    replicaClient = new IORedis(replica.url);
    await waitFor(
      async () => (await replicaClient.info('replication')).includes('master_link_status:up'),
      10_000,
      'replica linked',
    );
  });
  afterAll(async () => {
    // A test that failed midway may have left the replica stopped: let it go before stopping it.
    if (replica?.running) process.kill(replica.pid, 'SIGCONT');
    replicaClient?.disconnect();
    await replica?.stop();
    await primary?.stop();
  });

  it('resolves once a replica has the tasks, and rejects naming the shortfall when none answers', async () => {
    const prefix = freshPrefix();
    const fixture = await startApp({
      connection: primary.url,
      prefix,
      replication: { replicas: 1, timeoutMs: 300 },
    });
    try {
      await fixture.tasks.schedule('rep:1', { n: 1 }, { delay: 60_000 });
      // WAIT returned: the replica already holds the record, no polling needed.
      expect(await replicaClient.hexists(`${prefix}:{0}:tasks`, 'rep:1')).toBe(1);
      const many = Array.from({ length: 2_500 }, (_, i) => ({
        key: `rep:m:${i}`,
        payload: i,
        delay: 60_000,
      }));
      await fixture.tasks.scheduleMany(many);
      expect(await replicaClient.zcard(`${prefix}:{0}:due`)).toBe(2_501);

      // A replica that is connected but does not answer (stopped, as a stalled host would be).
      process.kill(replica.pid, 'SIGSTOP');
      try {
        const started = Date.now();
        const error = await fixture.tasks
          .schedule('rep:2', { n: 2 }, { delay: 60_000 })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ReplicationTimeoutError);
        expect(error).toMatchObject({ acknowledged: 0, required: 1 });
        expect((error as Error).message).toMatch(/only 0 of the 1 required replica/);
        expect(Date.now() - started).toBeGreaterThanOrEqual(250);
        // The write itself happened: the task is pending on the primary.
        expect(await fixture.tasks.get('rep:2')).toMatchObject({ state: 'pending' });
      } finally {
        process.kill(replica.pid, 'SIGCONT');
      }
      await fixture.tasks.schedule('rep:3', { n: 3 }, { delay: 60_000 });
      expect(await replicaClient.hexists(`${prefix}:{0}:tasks`, 'rep:3')).toBe(1);
    } finally {
      await fixture.close();
    }
  });

  it('rejects a malformed option at startup', async () => {
    await expect(
      startApp({
        connection: primary.url,
        prefix: freshPrefix(),
        replication: { replicas: 0, timeoutMs: 100 },
      }),
    ).rejects.toThrow(InvalidOptionsError);
    await expect(
      startApp({
        connection: primary.url,
        prefix: freshPrefix(),
        replication: { replicas: 1 } as never,
      }),
    ).rejects.toThrow(/"replication" must be \{ replicas, timeoutMs \}/);
  });
});
