/**
 * The sample's operations endpoints over HTTP: `GET /health` (Terminus),
 * `GET /tasks/stats`, `GET /tasks/instances`, and a bad query value answered
 * 400 by `DelayTaskExceptionFilter`.
 */
import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AddressInfo } from 'node:net';
import { AppModule } from '../../sample/app.module';
import { RedisServer } from '../../lib/testing/redis-server';
import { freshPrefix } from '../support/fixture-app';
import { LogCapture } from '../support/log-capture';

describe('sample app: operations endpoints (e2e)', () => {
  let redis: RedisServer;
  let app: INestApplication;
  let baseUrl: string;

  beforeAll(async () => {
    redis = await RedisServer.start();
    const moduleRef = await Test.createTestingModule({
      imports: [
        AppModule.register({
          redisUrl: redis.url,
          prefix: freshPrefix(),
          orderTimeoutMs: 60_000,
          mealMs: 60_000,
          accelerationMs: 1_000,
        }),
      ],
    }).compile();
    app = moduleRef.createNestApplication({ logger: new LogCapture() });
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    baseUrl = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  const get = async (path: string) => {
    const response = await fetch(`${baseUrl}${path}`);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('GET /health: 200, the delay-task indicator up', async () => {
    await expect(get('/health')).resolves.toMatchObject({
      status: 200,
      body: {
        status: 'ok',
        details: {
          'delay-task': {
            status: 'up',
            redis: 'up',
            keyspaceSubscriber: 'connected',
            keyspaceFlags: 'ok',
          },
        },
      },
    });
  });

  it('GET /tasks/stats and /tasks/instances: the counts, and this instance with its patterns', async () => {
    await fetch(`${baseUrl}/orders`, { method: 'POST' });
    await expect(get('/tasks/stats')).resolves.toEqual({
      status: 200,
      body: { pending: 1, overdue: 0, active: 0, dead: 0, oldestOverdueMs: 0, unhandled: [] },
    });
    const { body } = await get('/tasks/instances');
    expect(body).toEqual([
      expect.objectContaining({
        pid: process.pid,
        patterns: expect.arrayContaining(['order:*', 'pet-meal:*']),
      }),
    ]);
  });

  it('GET /tasks: pending tasks by pattern, a page at a time; a forged cursor is 400', async () => {
    await fetch(`${baseUrl}/orders`, { method: 'POST' });
    await fetch(`${baseUrl}/orders`, { method: 'POST' });
    const first = await get('/tasks?pattern=order:*&limit=1');
    expect(first).toEqual({
      status: 200,
      body: {
        items: [
          expect.objectContaining({ key: expect.stringMatching(/^order:/), state: 'pending' }),
        ],
        cursor: expect.any(String),
      },
    });
    const { cursor } = first.body as { cursor: string };
    const rest = await get(`/tasks?pattern=order:*&limit=100&cursor=${encodeURIComponent(cursor)}`);
    expect((rest.body as { items: unknown[] }).items.length).toBeGreaterThanOrEqual(1);
    await expect(get('/tasks?cursor=forged')).resolves.toMatchObject({
      status: 400,
      body: { name: 'InvalidOptionsError' },
    });
  });

  it('a bad query value: 400 with the module’s message', async () => {
    await expect(get('/tasks/dead?limit=0')).resolves.toEqual({
      status: 400,
      body: {
        statusCode: 400,
        error: 'Bad Request',
        name: 'InvalidOptionsError',
        message: 'deadLetters: "limit" must be a positive integer, got 0.',
      },
    });
    await expect(get('/tasks/dead?limit=5')).resolves.toEqual({
      status: 200,
      body: { items: [], cursor: null },
    });
  });
});
