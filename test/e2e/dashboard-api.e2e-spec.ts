/**
 * The dashboard's JSON API on a web tier that runs no handlers, beside a
 * worker: lateness summed from the live instances' heartbeats, the due
 * timeline, the module's named errors answered 400, 404 for a key not in the
 * asked state, the app's global prefix and guards in front of it. And the
 * core never loads the dashboard.
 */
import {
  CanActivate,
  ExecutionContext,
  INestApplication,
  Injectable,
  ForbiddenException,
} from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { execFileSync } from 'node:child_process';
import { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { DelayTaskModule, DelayTaskService, InvalidOptionsError } from '../../lib';
import { DelayTaskDashboardModule } from '../../lib/dashboard';
import { RedisServer } from '../../lib/testing/redis-server';
import { LatenessHistogram } from '../../lib/telemetry/lateness-histogram';
import { EventCollector, collectingHandler, freshPrefix, startApp } from '../support/fixture-app';
import { LogCapture } from '../support/log-capture';
import { waitFor } from '../support/wait-for';

const HEARTBEAT_MS = 100;
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** A global guard, as an app would have one: refuses any request that carries `x-deny`. */
@Injectable()
class DenyMarkedRequests implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const { headers } = context.switchToHttp().getRequest<{ headers: Record<string, string> }>();
    if (headers['x-deny']) throw new ForbiddenException('denied by the app');
    return true;
  }
}

/** A guard class for one mount only: asks for `x-staff`. */
@Injectable()
class StaffOnly implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return Boolean(
      context.switchToHttp().getRequest<{ headers: Record<string, string> }>().headers['x-staff'],
    );
  }
}

describe('dashboard API (e2e)', () => {
  let redis: RedisServer;
  let prefix: string;
  let web: INestApplication;
  let api: string;
  const worked = new EventCollector();
  let worker: Awaited<ReturnType<typeof startApp>>;

  beforeAll(async () => {
    redis = await RedisServer.start();
    prefix = freshPrefix();
    worker = await startApp(
      { connection: redis.url, prefix, keyspaceEvents: false, heartbeatIntervalMs: HEARTBEAT_MS },
      [collectingHandler('job:*', worked)],
    );
    const moduleRef = await Test.createTestingModule({
      imports: [
        DelayTaskModule.forRoot({
          connection: redis.url,
          prefix,
          keyspaceEvents: false,
          heartbeatIntervalMs: HEARTBEAT_MS,
        }),
        DelayTaskDashboardModule.register({ path: 'ops/tasks' }),
      ],
      providers: [{ provide: APP_GUARD, useClass: DenyMarkedRequests }],
    }).compile();
    web = moduleRef.createNestApplication({ logger: new LogCapture() });
    web.setGlobalPrefix('admin');
    await web.listen(0, '127.0.0.1');
    const { port } = web.getHttpServer().address() as AddressInfo;
    api = `http://127.0.0.1:${port}/admin/ops/tasks/api`;
  });
  afterAll(async () => {
    await web?.close();
    await worker?.close();
    await redis?.stop();
  });

  const call = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${api}/${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', ...init?.headers },
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('sums the lateness every live instance carries in its heartbeat, on a web tier that runs no handler', async () => {
    const workerHistogram = worker.app.get(LatenessHistogram);
    const webHistogram = web.get(LatenessHistogram);
    [3, 3, 40, 1_500].forEach((ms) => workerHistogram.observe('scheduled', ms));
    workerHistogram.observe('keyspace', 20_000);
    webHistogram.observe('scheduled', 7_200_000); // past the last bound: counted, in no bucket
    const expected = [workerHistogram.snapshot(), webHistogram.snapshot()];

    await waitFor(
      async () =>
        ((await call('stats')).body.lateness as { scheduled: { count: number } }).scheduled
          .count === 5,
      10_000,
      'both heartbeats carrying their histograms',
    );
    const { lateness } = (await call('stats')).body as {
      lateness: {
        instances: number;
        boundsSeconds: number[];
        scheduled: { buckets: number[]; count: number };
      };
    };
    expect(lateness.instances).toBe(2);
    expect(lateness.scheduled.buckets).toEqual(
      expected[0].scheduled.buckets.map((count, i) => count + expected[1].scheduled.buckets[i]),
    );
    // ≤ 5 ms: the two 3 ms; ≤ 50 ms: and the 40 ms; ≤ 2.5 s: and the 1.5 s; the 2 h one in none.
    const at = (seconds: number) =>
      lateness.scheduled.buckets[lateness.boundsSeconds.indexOf(seconds)];
    expect([at(0.0025), at(0.005), at(0.05), at(2.5), at(3600)]).toEqual([0, 2, 3, 4, 4]);
    expect(lateness).toMatchObject({ keyspace: { count: 1 } });

    const instances = (await (await fetch(`${api}/instances`)).json()) as Array<{
      patterns: string[];
      lateness: unknown;
    }>;
    expect(instances.find((i) => i.patterns.includes('job:*'))?.lateness).toEqual(expected[0]);
    expect(instances.find((i) => i.patterns.length === 0)?.lateness).toEqual(expected[1]);
  });

  it('counts upcoming due tasks per window: the next hour in 5 minutes, the day in hours, the week in days', async () => {
    const tasks = web.get(DelayTaskService);
    await tasks.scheduleMany([
      { key: 'later:a', payload: null, delay: 2 * MINUTE },
      { key: 'later:b', payload: null, delay: 7 * MINUTE },
      { key: 'later:c', payload: null, delay: 90 * MINUTE },
      { key: 'later:d', payload: null, delay: 2.5 * DAY },
      { key: 'later:e', payload: null, delay: 10 * DAY },
      { key: 'stuck:1', payload: null, at: Date.now() - 1_000 }, // nobody handles stuck:*
    ]);
    const { body } = await call('stats');
    const timeline = body.timeline as Record<'hour' | 'day' | 'week', Array<{ count: number }>> & {
      later: number;
    };
    const counts = (span: 'hour' | 'day' | 'week') => timeline[span].map((w) => w.count);
    expect(counts('hour')).toEqual([1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(counts('day').slice(0, 3)).toEqual([2, 1, 0]);
    expect(counts('day').reduce((a, b) => a + b)).toBe(3);
    expect(counts('week')).toEqual([3, 0, 1, 0, 0, 0, 0]);
    expect(timeline.later).toBe(1);
    expect(body).toMatchObject({
      pending: 6,
      overdue: 1,
      unhandled: [expect.objectContaining({ pattern: 'stuck:*', count: 1 })],
    });
    expect((await tasks.cancelMatching('*')) >= 5).toBe(true);
  });

  it('acts on tasks by URL-encoded key: run now (its handler runs with its due time), reschedule, cancel; 404 when not pending', async () => {
    const tasks = web.get(DelayTaskService);
    const key = 'job:a/b c:é?';
    const { dueAt } = await tasks.schedule(key, { n: 1 }, { delay: HOUR });
    const path = `tasks/${encodeURIComponent(key)}`;

    expect(await call(`${path}/reschedule`, { method: 'POST', body: '{"delay":7200000}' })).toEqual(
      { status: 200, body: { key, dueAt: expect.any(Number) } },
    );
    const rescheduled = (await tasks.get(key))!.dueAt;
    expect(rescheduled - dueAt).toBeGreaterThan(HOUR - MINUTE);
    expect(await call(`${path}/run`, { method: 'POST' })).toMatchObject({
      status: 200,
      body: { key },
    });
    const event = await worked.forKey(key);
    expect(event.dueAt).toBe(rescheduled); // run now keeps the business deadline

    await waitFor(async () => (await tasks.get(key)) === null, 10_000, 'the run task acknowledged');
    expect(await call(`${path}/run`, { method: 'POST' })).toEqual({
      status: 404,
      body: expect.objectContaining({ message: `No pending task "${key}".` }),
    });
    expect((await call(path, { method: 'DELETE' })).status).toBe(404);
    await tasks.schedule('idle:1', null, { delay: HOUR });
    expect(await call('tasks/idle%3A1', { method: 'DELETE' })).toEqual({
      status: 200,
      body: { key: 'idle:1', cancelled: true },
    });
    expect(await tasks.get('idle:1')).toBeNull();
    expect((await call('dead/nothing/requeue', { method: 'POST' })).status).toBe(404);
    expect((await call('dead/nothing', { method: 'DELETE' })).status).toBe(404);
  });

  it('answers bad input 400 with the module’s named errors, before anything is written', async () => {
    const tasks = web.get(DelayTaskService);
    await tasks.schedule('idle:2', null, { delay: HOUR });
    const before = (await tasks.get('idle:2'))!.dueAt;
    const cases: Array<[string, RequestInit | undefined, string]> = [
      ['tasks?limit=abc', undefined, 'InvalidOptionsError'],
      ['tasks?state=sleeping', undefined, 'InvalidOptionsError'],
      ['tasks?from=2000&to=1000', undefined, 'InvalidOptionsError'],
      ['tasks?cursor=forged', undefined, 'InvalidOptionsError'],
      ['dead?limit=0', undefined, 'InvalidOptionsError'],
      ['tasks/idle%3A2/reschedule', { method: 'POST', body: '{"delay":-5}' }, 'InvalidDelayError'],
      ['tasks/idle%3A2/reschedule', { method: 'POST', body: '{}' }, 'InvalidDelayError'],
      ['tasks/idle%3A2/reschedule', { method: 'POST', body: '{"at":"soon"}' }, 'InvalidDelayError'],
      ['dead/idle%3A2/requeue', { method: 'POST', body: '{"delay":"1s"}' }, 'InvalidDelayError'],
    ];
    for (const [path, init, name] of cases) {
      const { status, body } = await call(path, init);
      expect({ path, status, name: body.name }).toEqual({ path, status: 400, name });
      expect(body.message).toEqual(expect.any(String));
    }
    expect((await tasks.get('idle:2'))!.dueAt).toBe(before);
  });

  it('stands behind the app’s global prefix and guards: page and API', async () => {
    const page = api.replace(/\/api$/, '');
    const denied = { headers: { 'x-deny': '1' } };
    expect((await fetch(page)).status).toBe(200);
    expect((await fetch(page, denied)).status).toBe(403);
    expect((await fetch(`${api}/stats`, denied)).status).toBe(403);
    expect((await fetch(`${api}/tasks/x/run`, { method: 'POST', ...denied })).status).toBe(403);
    const unprefixed = page.replace('/admin/', '/');
    expect((await fetch(unprefixed)).status).toBe(404);
  });

  it('mounts twice in one app: read-only for everyone, writable behind a guard class of its own', async () => {
    const moduleRef = await Test.createTestingModule({
      imports: [
        DelayTaskModule.forRoot({ connection: redis.url, prefix, keyspaceEvents: false }),
        DelayTaskDashboardModule.register({
          path: 'tasks',
          readOnly: true,
          traceUrl: 'https://traces.example/t/{traceId}?from=dashboard&"x"',
        }),
        DelayTaskDashboardModule.register({ path: 'tasks-admin', guards: [StaffOnly] }),
      ],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: new LogCapture() });
    try {
      await app.listen(0, '127.0.0.1');
      const { port } = app.getHttpServer().address() as AddressInfo;
      const base = `http://127.0.0.1:${port}`;
      const tasks = app.get(DelayTaskService);
      await tasks.schedule('idle:3', null, { delay: HOUR });
      const cancel = (path: string, headers: Record<string, string> = {}) =>
        fetch(`${base}/${path}/api/tasks/idle%3A3`, { method: 'DELETE', headers });

      expect((await fetch(`${base}/tasks/api/stats`)).status).toBe(200);
      expect((await cancel('tasks')).status).toBe(403);
      expect((await fetch(`${base}/tasks-admin/api/stats`)).status).toBe(403);
      expect((await cancel('tasks-admin')).status).toBe(403);
      expect(await tasks.get('idle:3')).not.toBeNull();
      expect((await cancel('tasks-admin', { 'x-staff': 'yes' })).status).toBe(200);
      expect(await tasks.get('idle:3')).toBeNull();
      // Each page knows its own mount.
      const readOnlyPage = await (await fetch(`${base}/tasks`)).text();
      expect(readOnlyPage).toContain('data-read-only="true"');
      expect(readOnlyPage).toContain(
        'data-trace-url="https://traces.example/t/{traceId}?from=dashboard&amp;&quot;x&quot;"',
      );
      const admin = await (
        await fetch(`${base}/tasks-admin`, { headers: { 'x-staff': 'yes' } })
      ).text();
      expect(admin).toContain('data-base="/tasks-admin/"');
      expect(admin).toContain('data-read-only="false"');
    } finally {
      await app.close();
    }
  });

  it('refuses wrong options at register, with InvalidOptionsError', () => {
    expect(() => DelayTaskDashboardModule.register({ path: '' })).toThrow(InvalidOptionsError);
    expect(() => DelayTaskDashboardModule.register({ path: 'a?b' })).toThrow(InvalidOptionsError);
    expect(() => DelayTaskDashboardModule.register({ path: 'tasks/:id' })).toThrow(
      InvalidOptionsError,
    );
    expect(() =>
      DelayTaskDashboardModule.register({ readOnly: 'yes' as unknown as boolean }),
    ).toThrow(InvalidOptionsError);
    expect(() => DelayTaskDashboardModule.register({ traceUrl: 'https://t.example/' })).toThrow(
      /"\{traceId\}"/,
    );
    expect(() =>
      DelayTaskDashboardModule.register({ guards: [{} as unknown as CanActivate] }),
    ).toThrow(InvalidOptionsError);
  });

  it('the core never loads the dashboard', () => {
    // Counts the dashboard's files loaded after the core, then after the subpath (the control).
    const script = [
      'const inDashboard = () => Object.keys(require.cache).filter((p) => /[\\\\/]lib[\\\\/]dashboard[\\\\/]/.test(p)).length;',
      "require('./lib'); const core = inDashboard();",
      "require('./lib/dashboard'); console.log(core, inDashboard() > 0);",
    ].join(' ');
    const loaded = execFileSync(process.execPath, ['-r', 'ts-node/register', '-e', script], {
      cwd: resolve(__dirname, '..', '..'),
      env: {
        ...process.env,
        TS_NODE_PROJECT: 'test/tsconfig.json',
        TS_NODE_TRANSPILE_ONLY: 'true',
      },
      encoding: 'utf8',
    });
    expect(loaded.trim()).toBe('0 true');
  });
});
