import { RedisServer, RedisServerOptions } from '../../lib/testing/redis-server';
import { FixtureApp, startApp } from './fixture-app';
import { killAll, WorkerProcess } from './worker-process';

/**
 * What the multi-process suites share: one Redis server for the suite and, per
 * test, apps and worker processes that are torn down after the test even when
 * it fails, so no process outlives the test that started it.
 */
export class ProcessSuite {
  private server?: RedisServer;
  private apps: FixtureApp[] = [];
  private workers: WorkerProcess[] = [];

  /** Registers the suite's hooks; call it at the top of a `describe` block. */
  static use(redis: RedisServerOptions = {}): ProcessSuite {
    const suite = new ProcessSuite();
    beforeAll(async () => (suite.server = await RedisServer.start(redis)));
    afterAll(async () => suite.server?.stop());
    afterEach(async () => suite.teardown());
    return suite;
  }

  get redis(): RedisServer {
    if (!this.server) throw new Error('the suite Redis starts in beforeAll');
    return this.server;
  }

  /** A scheduling-only app (no handlers, so it never claims) on the suite's Redis. */
  webTier(prefix: string): Promise<FixtureApp> {
    return this.startApp(() =>
      startApp({ connection: this.redis.url, prefix, keyspaceEvents: false }),
    );
  }

  /** Starts an app with `start` and closes it after the test. */
  async startApp(start: () => Promise<FixtureApp>): Promise<FixtureApp> {
    const app = await start();
    this.apps.push(app);
    return app;
  }

  /** Kills these workers after the test; returns them. */
  keep<T extends WorkerProcess | WorkerProcess[]>(workers: T): T {
    this.workers.push(...(Array.isArray(workers) ? workers : [workers]));
    return workers;
  }

  private async teardown(): Promise<void> {
    const workers = this.workers;
    const apps = this.apps;
    this.workers = [];
    this.apps = [];
    await killAll(workers);
    await Promise.all(apps.map((app) => app.close()));
  }
}
