/**
 * `DelayTaskExceptionFilter` in a tiny HTTP app on a free port: the module's
 * bad-input errors become 400 with their message; everything else is left to
 * Nest.
 */
import { Body, Controller, Get, INestApplication, Post } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import { AddressInfo } from 'node:net';
import {
  DelayTaskExceptionFilter,
  DelayTaskModule,
  DelayTaskService,
  RedisConnectionError,
} from '../../lib';
import { RedisServer } from '../../lib/testing/redis-server';
import { freshPrefix } from '../support/fixture-app';
import { LogCapture } from '../support/log-capture';

@Controller('reminders')
class RemindersController {
  constructor(private readonly tasks: DelayTaskService) {}

  /** Passes the body's values on as they are, as a route that trusts the module to check them. */
  @Post()
  create(@Body() body: { key: unknown; delay: unknown }) {
    return this.tasks.schedule(body.key as string, { note: 'hi' }, { delay: body.delay as number });
  }

  @Get('broken')
  broken(): never {
    throw new RedisConnectionError('not a bad input: Redis is away');
  }
}

describe('DelayTaskExceptionFilter', () => {
  let redis: RedisServer;
  let app: INestApplication;
  let logs: LogCapture;
  let baseUrl: string;

  beforeAll(async () => {
    redis = await RedisServer.start();
    const moduleRef = await Test.createTestingModule({
      imports: [
        DelayTaskModule.forRoot({
          connection: redis.url,
          prefix: freshPrefix(),
          keyspaceEvents: false,
        }),
      ],
      controllers: [RemindersController],
    }).compile();
    logs = new LogCapture();
    app = moduleRef.createNestApplication({ logger: logs });
    app.useGlobalFilters(new DelayTaskExceptionFilter(app.get(HttpAdapterHost)));
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    baseUrl = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await app?.close();
    await redis?.stop();
  });

  const post = async (body: object) => {
    const response = await fetch(`${baseUrl}/reminders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('answers 400 with the error’s message and name for bad input', async () => {
    await expect(post({ key: 'reminder:1', delay: -5 })).resolves.toEqual({
      status: 400,
      body: {
        statusCode: 400,
        error: 'Bad Request',
        name: 'InvalidDelayError',
        message:
          'The delay of task "reminder:1" must be a finite number of milliseconds, 0 or more; got number -5.',
      },
    });
    await expect(post({ key: '', delay: 10 })).resolves.toMatchObject({
      status: 400,
      body: {
        name: 'InvalidTaskKeyError',
        message: 'The task key must be a non-empty string, got "".',
      },
    });
    expect(logs.messages('error', null)).toEqual([]);
  });

  it('leaves good input alone, and other errors to Nest (500)', async () => {
    await expect(post({ key: 'reminder:2', delay: 60_000 })).resolves.toMatchObject({
      status: 201,
      body: { key: 'reminder:2', dueAt: expect.any(Number) },
    });
    const broken = await fetch(`${baseUrl}/reminders/broken`);
    expect(broken.status).toBe(500);
    expect(logs.messages('error', null)).toEqual([
      'RedisConnectionError: not a bad input: Redis is away',
    ]);
  });
});
