import IORedis from 'ioredis';
import {
  DelayTaskModule,
  DelayTaskModuleOptions,
  DelayTaskService,
  RedisConnectionError,
} from '../../lib';
import { RedisServer } from '../../lib/testing/redis-server';
import { bootApp } from '../support/boot-app';
import { collectingHandler, EventCollector, freshPrefix } from '../support/fixture-app';
import { LogCapture, restoreConsoleLogger } from '../support/log-capture';
import { clientList } from '../support/redis-info';
import { makeTestCertificates, TestCertificates } from '../support/tls-certificates';
import { within } from '../support/wait-for';

/** Longest a start may take to succeed or give up before it counts as hung. */
const START_WITHIN_MS = 15_000;

/**
 * `connection` with ioredis' `tls` options, against a server that speaks TLS
 * only (`--port 0`): a client or subscriber that fell back to plain TCP could
 * not connect at all. A certificate the client does not trust fails the start.
 */
describe('TLS', () => {
  let certs: TestCertificates;
  let redis: RedisServer;
  let admin: IORedis;
  beforeAll(async () => {
    certs = makeTestCertificates();
    // Clients are not asked for a certificate: they need only the CA, as with most managed Redis.
    redis = await RedisServer.start({ tls: certs.server, config: { 'tls-auth-clients': 'no' } });
    admin = new IORedis({ host: redis.host, port: redis.port, tls: { ca: certs.ca } });
  });
  afterAll(async () => {
    admin?.disconnect();
    await redis?.stop();
    certs?.remove();
  });
  afterEach(() => restoreConsoleLogger());

  /** Boots an app with one catch-all handler; fails if the start hangs. */
  const boot = (connection: DelayTaskModuleOptions['connection'], collector: EventCollector) =>
    within(
      bootApp(
        {
          imports: [DelayTaskModule.forRoot({ connection, prefix: freshPrefix() })],
          providers: [collectingHandler('*', collector)],
        },
        new LogCapture(),
      ),
      START_WITHIN_MS,
      'the start',
    );

  it('delivers scheduled tasks and plain expired keys, the subscriber on TLS too', async () => {
    const collector = new EventCollector();
    const app = await boot(
      { host: redis.host, port: redis.port, tls: { ca: certs.ca } },
      collector,
    );
    try {
      // The subscriber, a duplicate of the command client, is connected: on the only port, TLS.
      const subscribers = (await clientList(admin)).filter((c) => c.psub === '1');
      expect(subscribers).toHaveLength(1);

      await app.get(DelayTaskService).schedule('job:1', { n: 1 }, { delay: 20 });
      await admin.set('plain:1', 'x', 'PX', 20);
      await expect(collector.forKey('job:1')).resolves.toMatchObject({
        scheduled: true,
        payload: { n: 1 },
      });
      await expect(collector.forKey('plain:1')).resolves.toMatchObject({ scheduled: false });
    } finally {
      await app.close();
    }
  });

  it.each<[string, () => DelayTaskModuleOptions['connection']]>([
    [
      'a CA that did not sign the server certificate',
      () => ({ host: redis.host, port: redis.port, tls: { ca: certs.otherCa } }),
    ],
    // rediss:// trusts the system's CAs only: a private CA needs the options form.
    ['a rediss:// URL whose certificate the system does not trust', () => redis.url],
  ])(
    'fails the start with RedisConnectionError on %s, naming the address',
    async (_case, connection) => {
      const error = await boot(connection(), new EventCollector()).then(
        () => new Error('expected the start to fail'),
        (failure: unknown) => failure,
      );
      expect(error).toBeInstanceOf(RedisConnectionError);
      expect((error as Error).message).toMatch(
        new RegExp(
          `^Cannot connect to Redis at \\S*127\\.0\\.0\\.1:${redis.port}\\S*: .*certificate`,
        ),
      );
    },
  );
});
