/**
 * Runs the sample: `npm run sample`. See sample/README.md for what to try.
 */
import 'reflect-metadata';
import { INestApplication, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { readFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { DelayTaskError } from '../lib';
import { AppModule } from './app.module';
import { configFromEnv, formatDuration, SampleConfig } from './config';
import { chooseRedis, SampleRedis } from './redis';

const logger = new Logger('Sample');

async function main(): Promise<void> {
  const port = Number(process.env.PORT || 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new Error(`PORT must be a TCP port number, got "${process.env.PORT}"`);
  }
  const settings = configFromEnv(process.env);
  const redis = await chooseRedis(process.env);
  // If the process ends without the signal handlers below (an uncaught error),
  // a server we started must not outlive it.
  process.once('exit', () => redis.stopNow());

  let app: INestApplication | undefined;
  let closing = false;
  const shutdown = async (reason: string): Promise<void> => {
    if (closing) return;
    closing = true;
    logger.log(`${reason}: shutting down`);
    try {
      await app?.close();
    } finally {
      await redis.stop();
    }
  };
  const exitAfter = (reason: string): void => {
    shutdown(reason).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error(String(error));
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => exitAfter(signal));
  // NOTE: `npm run sample` runs npm, then a shell, then this process; a signal sent to npm
  // alone need not reach it, and it would outlive npm with its redis-server. Once the chain
  // that started it breaks (its parent, or its parent's parent, is handed to another), it
  // shuts down too.
  const launchers = ancestry();
  setInterval(() => {
    if (ancestry().join() !== launchers.join()) {
      exitAfter('The process that started the sample exited');
    }
  }, 500).unref();

  const config: SampleConfig = { ...settings, redisUrl: redis.url };
  try {
    app = await NestFactory.create(AppModule.register(config));
    await app.listen(port);
  } catch (error) {
    await shutdown('Start-up failed');
    throw error;
  }
  // The port actually bound (PORT=0 picks a free one).
  const { port: boundPort } = app.getHttpServer().address() as AddressInfo;
  logger.log(instructions(boundPort, redis, config));
}

/**
 * This process' parent and, where `/proc` tells (Linux), its grandparent:
 * the shell npm runs scripts in, and npm.
 */
function ancestry(): number[] {
  const parent = process.ppid;
  try {
    // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces, so read after ')'.
    const stat = readFileSync(`/proc/${parent}/stat`, 'utf8');
    return [parent, Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])];
  } catch {
    return [parent];
  }
}

function instructions(port: number, redis: SampleRedis, config: SampleConfig): string {
  const http = `http://localhost:${port}`;
  const json = `-H 'content-type: application/json'`;
  return [
    `Listening on ${http}; Redis: ${redis.cli}`,
    `Orders time out after ${formatDuration(config.orderTimeoutMs)}, meals last ${formatDuration(config.mealMs)}, ` +
      `an acceleration card takes ${formatDuration(config.accelerationMs)} off.`,
    'Try:',
    `  curl -X POST ${http}/orders`,
    `  curl -X POST ${http}/orders/1/pay`,
    `  curl ${http}/orders/1`,
    `  ${redis.cli} SET order:7 x EX 5      # a plain key fires the same handler`,
    `  curl -X POST ${http}/coupons ${json} -d '{"userId":"ann","expiresInMs":60000,"remindBeforeMs":50000}'`,
    `  curl ${http}/coupons/1`,
    `  curl -X POST ${http}/pets/rex/auto-feed-card`,
    `  curl -X POST ${http}/pets/rex/meals`,
    `  curl -X POST ${http}/pets/rex/acceleration-card`,
    `  curl ${http}/pets/rex`,
    `  curl ${http}/health                  # Terminus: Redis, keyspace events, overdue and dead tasks`,
    `  curl ${http}/tasks/stats             # counts, oldest overdue, patterns no instance handles`,
    `  curl ${http}/tasks/instances`,
    `  curl '${http}/tasks/dead?limit=0'    # a bad value: 400 with the module's message`,
    config.dashboardPassword
      ? `Dashboard: ${http}/delay-tasks (user "${config.dashboardUser}", the DASHBOARD_PASSWORD you set)`
      : `Dashboard: ${http}/delay-tasks — open to anyone who reaches this port; set DASHBOARD_PASSWORD to protect it`,
  ].join('\n');
}

main().catch((error: unknown) => {
  // What the module or its testing toolkit explains (no redis-server, a bad setting) takes one line.
  const known = error instanceof DelayTaskError;
  logger.error(
    error instanceof Error
      ? known
        ? error.message
        : (error.stack ?? error.message)
      : String(error),
  );
  process.exitCode = 1;
});
