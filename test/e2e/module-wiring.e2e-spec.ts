import {
  ConfigurableModuleOptionsFactory,
  DynamicModule,
  INestApplicationContext,
  Inject,
  Injectable,
  Module,
  ModuleMetadata,
  Type,
} from '@nestjs/common';
import { Test } from '@nestjs/testing';
import IORedis from 'ioredis';
import { DelayTaskModule, DelayTaskModuleOptions, DelayTaskService } from '../../lib';
import { RedisServer } from '../../lib/testing/redis-server';
import { bootApp } from '../support/boot-app';
import { collectingHandler, EventCollector, freshPrefix } from '../support/fixture-app';
import { clientList } from '../support/redis-info';

/** A stand-in for @nestjs/config: a module exporting a provider that reads settings. */
const CONFIG_VALUES = Symbol('CONFIG_VALUES');

@Injectable()
class AppConfig {
  constructor(@Inject(CONFIG_VALUES) private readonly values: Record<string, string>) {}

  get(name: string): string {
    const value = this.values[name];
    if (value === undefined) throw new Error(`missing setting ${name}`);
    return value;
  }
}

@Module({})
class AppConfigModule {
  static forValues(values: Record<string, string>): DynamicModule {
    return {
      module: AppConfigModule,
      providers: [{ provide: CONFIG_VALUES, useValue: values }, AppConfig],
      exports: [AppConfig],
    };
  }
}

/** An options factory class, for `useClass` and `useExisting`. */
@Injectable()
class DelayTaskConfig implements ConfigurableModuleOptionsFactory<
  DelayTaskModuleOptions,
  'create'
> {
  constructor(private readonly config: AppConfig) {}

  create(): DelayTaskModuleOptions {
    return { connection: this.config.get('REDIS_URL'), prefix: this.config.get('PREFIX') };
  }
}

@Module({})
class DelayTaskConfigModule {
  static forValues(values: Record<string, string>): DynamicModule {
    return {
      module: DelayTaskConfigModule,
      imports: [AppConfigModule.forValues(values)],
      providers: [DelayTaskConfig],
      exports: [DelayTaskConfig],
    };
  }
}

/** A feature module that injects DelayTaskService without importing DelayTaskModule. */
@Injectable()
class OrderService {
  constructor(readonly tasks: DelayTaskService) {}
}

@Module({})
class OrdersModule {
  static with(handler: Type<unknown>): DynamicModule {
    return { module: OrdersModule, providers: [OrderService, handler], exports: [OrderService] };
  }
}

/**
 * The ways a user wires the module in — forRoot with each kind of connection,
 * forRootAsync with each kind of provider, global by default — each boots an
 * app that works, and app.close() closes exactly what the module opened.
 */
describe('module wiring', () => {
  let redis: RedisServer;
  let admin: IORedis;
  /** The test's own connections, one per db, never counted as the module's. */
  const writers = new Map<number, IORedis>();
  const testIds: string[] = [];
  const cleanups: Array<() => Promise<void> | void> = [];

  beforeAll(async () => {
    redis = await RedisServer.start();
    admin = await writer(0);
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  afterAll(async () => {
    writers.forEach((client) => client.disconnect());
    await redis?.stop();
  });

  async function writer(db: number): Promise<IORedis> {
    let client = writers.get(db);
    if (!client) {
      client = new IORedis(`${redis.url}/${db}`);
      writers.set(db, client);
      testIds.push(String(await client.client('ID')));
    }
    return client;
  }

  /** Connections on the server other than the test's own and `keep` (client ids). */
  async function otherConnections(keep: string[] = []): Promise<Array<Record<string, string>>> {
    const list = await clientList(admin);
    return list.filter((c) => !testIds.includes(c.id) && !keep.includes(c.id));
  }

  /** A plain expiry and a scheduled task both reach the handler: both connections work. */
  async function expectWorking(app: INestApplicationContext, collector: EventCollector, db = 0) {
    const plain = `w:plain:${freshPrefix()}`;
    await (await writer(db)).set(plain, 'x', 'PX', 20);
    await expect(collector.forKey(plain, 5_000)).resolves.toMatchObject({
      scheduled: false,
      db,
    });
    const task = `w:task:${freshPrefix()}`;
    await app.get(DelayTaskService).schedule(task, { ok: true }, { delay: 0 });
    await expect(collector.forKey(task, 5_000)).resolves.toMatchObject({
      scheduled: true,
      payload: { ok: true },
    });
  }

  /** The module had connections open, and none is left once the app is closed. */
  async function expectClosesWhatItOpened(app: INestApplicationContext, keep: string[] = []) {
    expect((await otherConnections(keep)).length).toBeGreaterThanOrEqual(1);
    await app.close();
    expect(await otherConnections(keep)).toEqual([]);
  }

  /**
   * Boots an app with `imports` and a handler, checks it works, closes it and
   * checks the module's connections are gone; `keep` names connections (client
   * ids) that are not the module's to close, asked once the app is up.
   */
  async function bootAndCheck(
    imports: NonNullable<ModuleMetadata['imports']>,
    { db = 0, keep = async (): Promise<string[]> => [] } = {},
  ): Promise<void> {
    const collector = new EventCollector();
    const app = await bootApp({ imports, providers: [collectingHandler('w:*', collector)] });
    let closed = false;
    cleanups.push(() => (closed ? undefined : app.close()));
    await expectWorking(app, collector, db);
    const kept = await keep();
    closed = true;
    await expectClosesWhatItOpened(app, kept);
  }

  describe('forRoot', () => {
    it('with a redis:// URL', async () => {
      await bootAndCheck([
        DelayTaskModule.forRoot({ connection: redis.url, prefix: freshPrefix() }),
      ]);
    });

    it('with a redis:// URL naming a db', async () => {
      await bootAndCheck(
        [DelayTaskModule.forRoot({ connection: `${redis.url}/4`, prefix: freshPrefix() })],
        { db: 4 },
      );
    });

    it('with ioredis options (the db among them is honoured)', async () => {
      await bootAndCheck(
        [
          DelayTaskModule.forRoot({
            connection: { host: redis.host, port: redis.port, db: 3 },
            prefix: freshPrefix(),
          }),
        ],
        { db: 3 },
      );
    });

    it.each([
      ['connected', false, 0],
      ['not yet connected', true, 0],
      ['on db 2', false, 2],
    ])(
      'with a user-owned ioredis instance (%s), which app.close() leaves open',
      async (_, lazy, db) => {
        const owned = new IORedis(redis.url, { lazyConnect: lazy, db });
        // Awaited, so the next test never counts this connection as a leftover.
        cleanups.push(() =>
          owned.quit().then(
            () => undefined,
            () => owned.disconnect(),
          ),
        );
        if (!lazy) await owned.ping();
        expect(owned.status).toBe(lazy ? 'wait' : 'ready');

        await bootAndCheck(
          [DelayTaskModule.forRoot({ connection: owned, prefix: freshPrefix() })],
          {
            db,
            // The user's connection stays; only the ones the module made must be gone.
            keep: async () => [String(await owned.client('ID'))],
          },
        );
        expect(owned.status).toBe('ready');
        await expect(owned.ping()).resolves.toBe('PONG');
      },
    );
  });

  describe('forRootAsync', () => {
    const values = () => ({ REDIS_URL: redis.url, PREFIX: freshPrefix() });

    it('with useFactory and inject, from an imported config module', async () => {
      await bootAndCheck([
        DelayTaskModule.forRootAsync({
          imports: [AppConfigModule.forValues(values())],
          inject: [AppConfig],
          useFactory: async (config: AppConfig) => {
            await Promise.resolve(); // an async factory is awaited
            return { connection: config.get('REDIS_URL'), prefix: config.get('PREFIX') };
          },
        }),
      ]);
    });

    it('with useClass', async () => {
      await bootAndCheck([
        DelayTaskModule.forRootAsync({
          imports: [AppConfigModule.forValues(values())],
          useClass: DelayTaskConfig,
        }),
      ]);
    });

    it('with useExisting', async () => {
      await bootAndCheck([
        DelayTaskModule.forRootAsync({
          imports: [DelayTaskConfigModule.forValues(values())],
          useExisting: DelayTaskConfig,
        }),
      ]);
    });
  });

  describe('global', () => {
    it('is global by default: a feature module injects DelayTaskService and hosts handlers', async () => {
      const collector = new EventCollector();
      const app = await bootApp({
        imports: [
          DelayTaskModule.forRoot({ connection: redis.url, prefix: freshPrefix() }),
          OrdersModule.with(collectingHandler('orders:*', collector)),
        ],
      });
      cleanups.push(() => app.close());
      const orders = app.get(OrderService);
      expect(orders.tasks).toBe(app.get(DelayTaskService));
      await orders.tasks.schedule('orders:1', null, { delay: 0 });
      await expect(collector.forKey('orders:1')).resolves.toMatchObject({ scheduled: true });
    });

    it('is not global with isGlobal: false', async () => {
      // Compiling resolves the dependency graph; nothing connects before init.
      await expect(
        Test.createTestingModule({
          imports: [
            DelayTaskModule.forRoot({
              connection: redis.url,
              prefix: freshPrefix(),
              isGlobal: false,
            }),
            OrdersModule.with(collectingHandler('orders:*', new EventCollector())),
          ],
        }).compile(),
      ).rejects.toThrow(/DelayTaskService/);
    });
  });
});
