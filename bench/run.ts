/**
 * `npm run bench [-- --quick]`: starts a Redis server of its own, runs every
 * workload against those of nestjs-delay-task, plain keyspace notifications
 * and BullMQ it applies to, then the cluster case (nestjs-delay-task on a
 * 1-master vs a 3-master Redis Cluster of its own), and writes RESULTS.md and
 * lateness.svg next to this file.
 *
 * Options: --quick, --runs=N, --only=<workload id or "cluster",...>, --mechanisms=<id,...>,
 * --delay-task-concurrency=N, --bullmq-concurrency=N, --out=<dir>.
 */
import { writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import Redis from 'ioredis';
import { RedisServer } from '../lib/testing/redis-server';
import { CaseResult, runCase } from './case-runner';
import { installExitHandlers, onCleanup, runCleanup } from './cleanup';
import {
  ClusterCaseOptions,
  ClusterCaseResult,
  ClusterFigures,
  runClusterCase,
} from './cluster-case';
import { ConsumerPool } from './consumer-pool';
import { collectEnvironment } from './environment';
import { formatInt, formatMs } from './format';
import { loadMechanism } from './mechanisms';
import { Mechanism, MECHANISM_IDS, MechanismId, MechanismSettings } from './mechanisms/mechanism';
import { ClusterRun } from './report-cluster';
import { renderMarkdown } from './report-markdown';
import { RateHints } from './rate-hints';
import { BENCH_DIR } from './paths';
import { renderSvg } from './report-svg';
import { describeScriptCost } from './script-cost';
import { buildWorkloads, runsOn, warmupWorkloads, Workload } from './workloads';

interface Options {
  quick: boolean;
  runs: number;
  only: string[] | undefined;
  mechanisms: MechanismId[];
  settings: MechanismSettings;
  outDir: string;
}

function parseOptions(argv: readonly string[]): Options {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unknown argument ${arg}`);
    flags.set(match[1], match[2] ?? 'true');
  }
  const known = [
    'quick',
    'runs',
    'only',
    'mechanisms',
    'delay-task-concurrency',
    'bullmq-concurrency',
    'out',
  ];
  for (const name of flags.keys())
    if (!known.includes(name)) throw new Error(`unknown option --${name}`);

  const positive = (name: string, fallback: number): number => {
    const raw = flags.get(name);
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(value) || value < 1)
      throw new Error(`--${name} must be a positive integer`);
    return value;
  };
  const quick = flags.has('quick');
  const mechanisms = (flags.get('mechanisms')?.split(',') ?? [...MECHANISM_IDS]).map((id) => {
    if (!(MECHANISM_IDS as readonly string[]).includes(id))
      throw new Error(`unknown mechanism ${id}`);
    return id as MechanismId;
  });
  return {
    quick,
    runs: positive('runs', quick ? 1 : 2),
    only: flags.get('only')?.split(','),
    mechanisms,
    settings: {
      delayTaskConcurrency: positive('delay-task-concurrency', 1000),
      bullmqConcurrency: positive('bullmq-concurrency', 50),
    },
    outDir: resolve(flags.get('out') ?? BENCH_DIR),
  };
}

function progressLine(r: CaseResult): string {
  const head = `${r.workload.title} · ${r.mechanism.label} · run ${r.run}`;
  if (r.error) return `${head}: FAILED ${r.error.split('\n')[0]}`;
  const parts = [
    `${formatInt(r.delivered)}/${formatInt(r.scheduled)} dup ${formatInt(r.duplicates)}`,
    `p50 ${formatMs(r.lateness.p50)} p99 ${formatMs(r.lateness.p99)} max ${formatMs(r.lateness.max)} ms`,
    `schedule ${formatInt(r.scheduleRate)}/s`,
    `${formatInt(r.bytesPerTask)} B/task`,
  ];
  if (r.drainRate !== undefined) parts.push(`drain ${formatInt(r.drainRate)}/s`);
  if (r.scripts) parts.push(describeScriptCost(r.scripts, r.scheduled));
  return `${head}: ${parts.join(', ')}${r.notes.length ? ` (${r.notes.join('; ')})` : ''}`;
}

/** `--only` id of the cluster case, which runs after the workloads. */
const CLUSTER_CASE = 'cluster';

function selectWorkloads(all: Workload[], only: string[] | undefined): Workload[] {
  if (!only) return all;
  const unknown = only.filter((id) => id !== CLUSTER_CASE && !all.some((w) => w.id === id));
  if (unknown.length)
    throw new Error(
      `unknown workload ${unknown.join(', ')}; known: ${[...all.map((w) => w.id), CLUSTER_CASE].join(', ')}`,
    );
  return all.filter((w) => only.includes(w.id));
}

function clusterProgressLine(result: ClusterCaseResult): string {
  const figures = (f: ClusterFigures) =>
    `schedule ${formatInt(f.scheduleRate)}/s, drain ${formatInt(f.drainRate)}/s, ${formatInt(f.delivered)}/${formatInt(result.burstTasks)} dup ${formatInt(f.duplicates)}`;
  return [
    `1 master: ${figures(result.single)}`,
    `3 masters: ${figures(result.three)}`,
    `ratio schedule ${result.scheduleRatio.toFixed(2)}×, drain ${result.drainRatio.toFixed(2)}×`,
  ].join(' · ');
}

/** Counts of the cluster case: scaled down in quick mode, like the workloads. */
function clusterCounts(
  quick: boolean,
): Pick<ClusterCaseOptions, 'scheduleTasks' | 'burstTasks' | 'drainTimeoutMs'> {
  return quick
    ? { scheduleTasks: 20_000, burstTasks: 10_000, drainTimeoutMs: 30_000 }
    : { scheduleTasks: 100_000, burstTasks: 50_000, drainTimeoutMs: 120_000 };
}

/** Timing knobs of the harness itself: tighter in quick mode, where the counts are small. */
function pacingFor(quick: boolean): { leadMarginMs: number; settleMs: number } {
  return quick ? { leadMarginMs: 300, settleMs: 200 } : { leadMarginMs: 1_000, settleMs: 1_000 };
}

async function main(): Promise<void> {
  installExitHandlers();
  const options = parseOptions(process.argv.slice(2));
  const startedAt = new Date();
  const workloads = selectWorkloads(buildWorkloads(options.quick), options.only);
  const pacing = pacingFor(options.quick);

  const mechanisms: Mechanism[] = [];
  const unavailable: { id: string; reason: string }[] = [];
  for (const id of options.mechanisms) {
    try {
      mechanisms.push(await loadMechanism(id, options.settings));
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      unavailable.push({ id, reason });
      console.error(`${id}: not available (${reason})`);
    }
  }

  const server = await RedisServer.start({ config: { hz: 10 } });
  onCleanup(() => server.stop());
  const admin = new Redis(server.url);
  onCleanup(() => admin.disconnect());
  const consumers = new ConsumerPool();
  onCleanup(() => consumers.close());
  const env = await collectEnvironment(admin, options.quick ? 'quick' : 'full', startedAt);
  console.log(
    `bench: ${env.mode} mode, ${options.runs} run(s) per case, Redis ${env.redis} on port ${server.port}, ${env.nproc} × ${env.cpuModel}, library ${env.library}`,
  );
  if (options.quick)
    console.log('bench: quick mode scales the workload counts down; RESULTS.md says so');

  const rates = new RateHints();
  const runAndLearn = async (mechanism: Mechanism, workload: Workload, run: number) => {
    const result = await runCase(mechanism, workload, run, {
      admin,
      url: server.url,
      settings: options.settings,
      consumers,
      rateHint: rates.hint(mechanism.id, workload.tasks),
      ...pacing,
    });
    if (!result.error) rates.record(mechanism.id, workload.tasks, result.scheduleRate);
    return result;
  };

  const instances = Math.max(0, ...workloads.map((w) => w.instances));
  // No warm-up when only the cluster case runs: it warms up on its own clusters.
  for (const mechanism of workloads.length ? mechanisms : []) {
    for (const warmup of warmupWorkloads(options.quick, instances)) {
      const result = await runAndLearn(mechanism, warmup, 0);
      const outcome = result.error ? ` failed: ${result.error.split('\n')[0]}` : '';
      console.log(`bench: warmed up ${mechanism.label} ×${warmup.instances || 1}${outcome}`);
    }
  }

  const results: CaseResult[] = [];
  const applicable = (workload: Workload) => mechanisms.filter((m) => runsOn(workload, m.id));
  const total = workloads.reduce((n, w) => n + applicable(w).length, 0) * options.runs;
  for (const workload of workloads) {
    for (let run = 1; run <= options.runs; run += 1) {
      // Mechanisms take turns within a run, so slow drifts of the machine hit them alike.
      for (const mechanism of applicable(workload)) {
        const result = await runAndLearn(mechanism, workload, run);
        results.push(result);
        const elapsed = ((Date.now() - startedAt.getTime()) / 1000).toFixed(0);
        console.log(`[${results.length}/${total} ${elapsed}s] ${progressLine(result)}`);
      }
    }
  }

  const cluster: ClusterRun[] = [];
  const runCluster = !options.only || options.only.includes(CLUSTER_CASE);
  for (let run = 1; runCluster && run <= options.runs; run += 1) {
    let entry: ClusterRun;
    try {
      const result = await runClusterCase({
        ...clusterCounts(options.quick),
        concurrency: options.settings.delayTaskConcurrency,
        log: (line) => console.log(`bench: ${line}`),
      });
      entry = { run, result };
    } catch (error) {
      entry = { run, error: error instanceof Error ? error.message : String(error) };
    }
    cluster.push(entry);
    const elapsed = ((Date.now() - startedAt.getTime()) / 1000).toFixed(0);
    const outcome = entry.result
      ? clusterProgressLine(entry.result)
      : `FAILED ${entry.error?.split('\n')[0]}`;
    console.log(`[cluster ${run}/${options.runs} ${elapsed}s] ${outcome}`);
  }

  const elapsedMs = Date.now() - startedAt.getTime();
  const chartFile = 'lateness.svg';
  const args = process.argv.slice(2).filter((a) => !a.startsWith('--out'));
  const markdown = renderMarkdown({
    env,
    runs: options.runs,
    workloads,
    mechanisms,
    unavailable,
    results,
    cluster,
    elapsedMs,
    command: `npm run bench${args.length ? ` -- ${args.join(' ')}` : ''}`,
    pacing,
    chartFile,
  });
  const subtitle = `${env.mode} mode · ${options.runs} run(s) per case · ${env.nproc} × ${env.cpuModel} · Node ${env.node} · Redis ${env.redis} · BullMQ ${env.bullmq} · ${env.date.slice(0, 10)}`;
  writeFileSync(join(options.outDir, 'RESULTS.md'), markdown);
  writeFileSync(
    join(options.outDir, chartFile),
    renderSvg(workloads, mechanisms, results, subtitle),
  );
  console.log(
    `bench: wrote ${relative(process.cwd(), join(options.outDir, 'RESULTS.md'))} and ${chartFile} in ${(elapsedMs / 1000).toFixed(0)} s`,
  );
}

main()
  .catch((error: unknown) => {
    console.error(error);
    process.exitCode = 1;
  })
  .finally(() => runCleanup());
