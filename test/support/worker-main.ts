/**
 * Entry point of a worker child process (see `worker-process.ts`): one app
 * instance, as a user's would run it, with one `@OnKeyExpired(PATTERN)`
 * handler that reports every delivery to the parent over IPC.
 *
 * Environment:
 * - `REDIS_URL`, `PREFIX`, `PATTERN` (required)
 * - `MODE`: `record` (resolve at once) | `hang` (never resolve: a stuck or
 *   soon-killed instance) | `slow:<ms>` (resolve after ms) | `slow:<min>-<max>`
 *   (resolve after a random ms in that range, a new one per delivery) |
 *   `signal` (resolve once `event.signal` aborts, reporting `aborted`); the
 *   parent may change it at run time with `{ type: 'mode', mode }`
 * - `DT_OPTIONS`: JSON merged over the module options below
 * - `RECURRING`: JSON `{ key, options }`: also a `@Recurring(key, options)`
 *   handler, reporting like the other one (declared at bootstrap)
 * - `HANDLER_OPTIONS`: JSON options of the `@OnKeyExpired` decorator
 *
 * Messages to the parent: `ready`, `handled` (a handler started, with the
 * event's timing), `aborted` (in `signal` mode: the signal aborted, with its
 * reason's class name and `origin`), `completed` (a handler resolved), `closing`/`closed` (around
 * `app.close()` on SIGTERM), `fatal`.
 */
import 'reflect-metadata';
import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  DelayTaskModule,
  DelayTaskModuleOptions,
  ExpiredKeyEvent,
  OnKeyExpired,
  Recurring,
  RecurringOptions,
  OnKeyExpiredOptions,
} from '../../lib';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`worker-main: ${name} is not set`);
  return value;
}

function send(message: Record<string, unknown>): void {
  if (process.connected) process.send?.(message);
}

let mode = process.env.MODE ?? 'record';

/** What the handler does once it has reported the delivery. */
function behave(event: ExpiredKeyEvent): Promise<void> {
  if (mode === 'hang') return new Promise<void>(() => undefined);
  if (mode === 'signal') {
    return new Promise<void>((resolve) =>
      event.signal.addEventListener('abort', () => {
        const reason = event.signal.reason as { name?: string; origin?: string };
        send({ type: 'aborted', key: event.key, reason: reason.name, origin: reason.origin });
        resolve();
      }),
    );
  }
  const slow = /^slow:(\d+)(?:-(\d+))?$/.exec(mode);
  if (slow) {
    const min = Number(slow[1]);
    const max = slow[2] === undefined ? min : Number(slow[2]);
    const ms = min + Math.random() * (max - min);
    return new Promise<void>((resolve) => setTimeout(resolve, ms));
  }
  return Promise.resolve();
}

/** Reports a delivery to the parent, behaves as the mode says, reports its end. */
async function report(event: ExpiredKeyEvent): Promise<void> {
  const fields = {
    key: event.key,
    attempt: event.attempt,
    dueAt: event.dueAt,
    firedAt: event.firedAt,
    source: event.source,
    scheduled: event.scheduled,
    recurring: event.recurring === true,
    pid: process.pid,
  };
  // Date.now() here is this process' clock, skewed when clock-skew.ts is preloaded.
  send({ type: 'handled', ...fields, localNow: Date.now() });
  await behave(event);
  send({ type: 'completed', ...fields, localNow: Date.now() });
}

const handlerOptions = JSON.parse(process.env.HANDLER_OPTIONS ?? '{}') as OnKeyExpiredOptions;

@Injectable()
class ReportingHandler {
  @OnKeyExpired(required('PATTERN'), handlerOptions)
  handle(event: ExpiredKeyEvent): Promise<void> {
    return report(event);
  }
}

const recurring = process.env.RECURRING
  ? (JSON.parse(process.env.RECURRING) as { key: string; options: RecurringOptions })
  : undefined;

@Injectable()
class RecurringHandler {
  @Recurring(recurring?.key ?? 'unused', recurring?.options ?? { every: 1 })
  handle(event: ExpiredKeyEvent): Promise<void> {
    return report(event);
  }
}

async function main(): Promise<void> {
  const overrides = JSON.parse(process.env.DT_OPTIONS ?? '{}') as Partial<DelayTaskModuleOptions>;
  const options: DelayTaskModuleOptions = {
    connection: required('REDIS_URL'),
    prefix: required('PREFIX'),
    keyspaceEvents: false,
    ...overrides,
  };

  @Module({
    imports: [DelayTaskModule.forRoot(options)],
    providers: recurring ? [ReportingHandler, RecurringHandler] : [ReportingHandler],
  })
  class WorkerModule {}

  const app = await NestFactory.createApplicationContext(WorkerModule, {
    logger: ['error', 'warn'],
  });
  await app.init();

  let closing = false;
  process.on('SIGTERM', () => {
    if (closing) return;
    closing = true;
    const started = Date.now();
    send({ type: 'closing' });
    app
      .close()
      .then(() => send({ type: 'closed', ms: Date.now() - started }))
      .catch((error: unknown) => send({ type: 'fatal', error: String(error) }))
      .finally(() => setTimeout(() => process.exit(0), 20));
  });
  process.on('message', (message: { type?: string; mode?: string }) => {
    if (message?.type === 'mode' && typeof message.mode === 'string') {
      mode = message.mode;
      send({ type: 'mode', mode });
    }
  });
  // An orphan must not keep claiming tasks: leave when the parent goes away.
  process.on('disconnect', () => process.exit(1));

  send({ type: 'ready', pid: process.pid });
}

main().catch((error: unknown) => {
  send({
    type: 'fatal',
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  setTimeout(() => process.exit(1), 20);
});
