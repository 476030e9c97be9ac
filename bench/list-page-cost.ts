/**
 * `npm run bench:list`: what one page of `DelayTaskService.list` costs with
 * 1,000,000 pending tasks (the operate issue asks for well under 50 ms per
 * page of 100), and what `cancelMatching` costs over the same index. It
 * starts a redis-server of its own, prints a table and exits; it is a figure,
 * not a pass/fail test.
 */
import 'reflect-metadata';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { DelayTaskModule, DelayTaskService, TaskListQuery } from '../lib';
import { RedisServer } from '../lib/testing/redis-server';
import { formatInt, formatMs } from './format';
import { table } from './markdown-table';

const PENDING = 1_000_000;
const CHUNK = 10_000;
/** Pages timed per query; the median and the slowest are reported. */
const SAMPLES = 21;
const HOUR = 3_600_000;

@Module({})
class ListBenchModule {}

async function time(run: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await run();
  return performance.now() - start;
}

async function pageCost(tasks: DelayTaskService, query: TaskListQuery): Promise<string[]> {
  const samples: number[] = [];
  let items = 0;
  for (let i = 0; i < SAMPLES; i++) {
    samples.push(await time(async () => (items = (await tasks.list(query)).items.length)));
  }
  samples.sort((a, b) => a - b);
  return [formatMs(samples[SAMPLES >> 1]), formatMs(samples[SAMPLES - 1]), formatInt(items)];
}

async function main(): Promise<void> {
  const server = await RedisServer.start();
  try {
    const app = await NestFactory.createApplicationContext(
      {
        module: ListBenchModule,
        imports: [DelayTaskModule.forRoot({ connection: server.url, keyspaceEvents: false })],
      },
      { logger: ['error', 'warn'] },
    );
    const tasks = app.get(DelayTaskService);
    const base = Date.now() + HOUR;
    // One key in ten is a user's, the rest orders; three tasks share each due millisecond.
    for (let start = 0; start < PENDING; start += CHUNK) {
      await tasks.scheduleMany(
        Array.from({ length: CHUNK }, (_, i) => {
          const n = start + i;
          return {
            key: `${n % 10 ? 'order' : 'user'}:${n}`,
            payload: { n },
            at: base + Math.floor(n / 3),
          };
        }),
      );
    }
    let cursor = (await tasks.list({ limit: 100 })).cursor ?? undefined;
    for (let page = 0; page < 5_000 && cursor; page++) {
      cursor = (await tasks.list({ limit: 100, cursor })).cursor ?? undefined;
    }
    const rows: string[][] = [
      ['first page of 100', ...(await pageCost(tasks, { limit: 100 }))],
      ['page 5,001 of 100 (by cursor)', ...(await pageCost(tasks, { limit: 100, cursor }))],
      [
        '100 in a due range in the middle',
        ...(await pageCost(tasks, { limit: 100, from: base + 160_000, to: base + 170_000 })),
      ],
      [
        "100 of a 1-in-10 pattern ('user:*')",
        ...(await pageCost(tasks, { limit: 100, pattern: 'user:*' })),
      ],
    ];
    let cancelled = 0;
    const cancelMs = await time(async () => (cancelled = await tasks.cancelMatching('user:*')));
    console.log(`${formatInt(PENDING)} pending tasks on one Redis; ${SAMPLES} pages per query\n`);
    console.log(table(['query', 'median ms', 'slowest ms', 'items'], rows));
    console.log(
      `\ncancelMatching('user:*'): ${formatInt(cancelled)} cancelled in ${formatMs(cancelMs)} ms`,
    );
    await app.close();
  } finally {
    await server.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
