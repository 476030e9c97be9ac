/**
 * `npm run bench [-- --quick]`: starts a Redis server of its own, runs every
 * workload on the rows it applies to — the floor, nestjs-delay-task, plain
 * keyspace notifications and BullMQ, each at the same concurrency settings —
 * then the cluster case (nestjs-delay-task on a 1-master vs a 3-master Redis
 * Cluster of its own), and writes RESULTS.md and lateness.svg next to this
 * file.
 *
 * Options: --quick, --runs=N, --only=<workload id or "cluster",...>,
 * --mechanisms=<mechanism or row id,...> (e.g. bullmq, delay-task-x100), --out=<dir>.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
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
import { Mechanism, MECHANISM_KINDS, MechanismRow, rowId } from './mechanisms/mechanism';
import { ClusterRun } from './report-cluster';
import { renderMarkdown } from './report-markdown';
import { RateHints } from './rate-hints';
import { BENCH_DIR } from './paths';
import { describeDrainCost, formatClaims } from './report-figures';
import { renderSvg } from './report-svg';
import { describeScriptCost } from './script-cost';
import {
  buildWorkloads,
  handledTasks,
  runsInRun,
  runsOn,
  warmupWorkloads,
  Workload,
} from './workloads';

interface Options {
  quick: boolean;
  runs: number;
  only: string[] | undefined;
  /** Mechanisms or row ids to run; undefined runs every row. */
  mechanisms: string[] | undefined;
  outDir: string;
}

/**
 * The cluster case keeps the module at concurrency 1,000, its setting from
 * before the rows, so its figures compare with earlier runs of it.
 */
const CLUSTER_CONCURRENCY = 1_000;

function parseOptions(argv: readonly string[]): Options {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unknown argument ${arg}`);
    flags.set(match[1], match[2] ?? 'true');
  }
  const known = ['quick', 'runs', 'only', 'mechanisms', 'out'];
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
  return {
    quick,
    runs: positive('runs', quick ? 1 : 2),
    only: flags.get('only')?.split(','),
    mechanisms: flags.get('mechanisms')?.split(','),
    outDir: resolve(flags.get('out') ?? BENCH_DIR),
  };
}

/** Order of rows in tables: by mechanism (the floor first), then by concurrency. */
function compareRows(a: MechanismRow, b: MechanismRow): number {
  const kind = MECHANISM_KINDS.indexOf(a.kind) - MECHANISM_KINDS.indexOf(b.kind);
  return kind || (a.concurrency ?? 0) - (b.concurrency ?? 0);
}

/**
 * Every row the selected workloads run on that `--mechanisms` lets through
 * (a mechanism selects all its rows, a row id that row alone).
 */
function selectRows(
  selected: readonly Workload[],
  all: readonly Workload[],
  filter: readonly string[] | undefined,
): MechanismRow[] {
  const known = new Map(all.flatMap((w) => w.rows).map((row) => [rowId(row), row]));
  const unknown = filter?.filter(
    (id) => !known.has(id) && !(MECHANISM_KINDS as readonly string[]).includes(id),
  );
  if (unknown?.length)
    throw new Error(
      `unknown mechanism or row ${unknown.join(', ')}; known: ${[...MECHANISM_KINDS, ...known.keys()].join(', ')}`,
    );
  const rows = new Map<string, MechanismRow>();
  for (const row of selected.flatMap((w) => w.rows)) {
    if (!filter || filter.includes(row.kind) || filter.includes(rowId(row)))
      rows.set(rowId(row), row);
  }
  return [...rows.values()].sort(compareRows);
}

function progressLine(r: CaseResult): string {
  const head = `${r.workload.title} · ${r.mechanism.label} · run ${r.run}`;
  if (r.error) return `${head}: FAILED ${r.error.split('\n')[0]}`;
  const parts = [
    `${formatInt(r.delivered)}/${formatInt(r.scheduled)} dup ${formatInt(r.duplicates)}`,
    `p50 ${formatMs(r.lateness.p50)} p99 ${formatMs(r.lateness.p99)} max ${formatMs(r.lateness.max)} ms`,
  ];
  // The floor stores nothing: it has no scheduling or memory figure to compare.
  if (r.mechanism.storesTasks)
    parts.push(`schedule ${formatInt(r.scheduleRate)}/s`, `${formatInt(r.bytesPerTask)} B/task`);
  if (r.besideBurstLateness) parts.push(`burst p99 ${formatMs(r.besideBurstLateness.p99)} ms`);
  if (r.drainRate !== undefined) parts.push(`drain ${formatInt(r.drainRate)}/s`);
  if (r.drainCost) parts.push(describeDrainCost(r.drainCost));
  if (r.claimsPerTask !== undefined) parts.push(`${formatClaims(r.claimsPerTask)} claims/task`);
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
  const allWorkloads = buildWorkloads(options.quick);
  const workloads = selectWorkloads(allWorkloads, options.only);
  const pacing = pacingFor(options.quick);

  const mechanisms: Mechanism[] = [];
  const unavailable: { id: string; reason: string }[] = [];
  for (const row of selectRows(workloads, allWorkloads, options.mechanisms)) {
    try {
      mechanisms.push(await loadMechanism(row));
    } catch (error) {
      const reason = error instanceof Error ? error.message.split('\n')[0] : String(error);
      unavailable.push({ id: rowId(row), reason });
      console.error(`${rowId(row)}: not available (${reason})`);
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
      consumers,
      rateHint: rates.hint(mechanism.kind, handledTasks(workload)),
      ...pacing,
    });
    if (!result.error) rates.record(mechanism.kind, result.scheduled, result.scheduleRate);
    return result;
  };

  // Rows of one mechanism run the same code in the same processes: warming one up warms them all.
  const warmedUp = new Set<string>();
  for (const mechanism of mechanisms) {
    if (warmedUp.has(mechanism.kind)) continue;
    warmedUp.add(mechanism.kind);
    const sameKind = mechanisms.filter((m) => m.kind === mechanism.kind);
    const instances = Math.max(
      0,
      ...workloads.filter((w) => sameKind.some((m) => runsOn(w, m))).map((w) => w.instances),
    );
    for (const warmup of warmupWorkloads(options.quick, instances)) {
      const result = await runAndLearn(mechanism, warmup, 0);
      const outcome = result.error ? ` failed: ${result.error.split('\n')[0]}` : '';
      const where = warmup.instances
        ? `${warmup.instances} consumer process(es)`
        : 'the bench process';
      console.log(`bench: warmed up ${mechanism.label} in ${where}${outcome}`);
    }
  }

  const results: CaseResult[] = [];
  const casesOf = (workload: Workload, run: number) =>
    mechanisms.filter((m) => runsOn(workload, m) && runsInRun(workload, m, run));
  let total = 0;
  for (const workload of workloads)
    for (let run = 1; run <= options.runs; run += 1) total += casesOf(workload, run).length;
  for (const workload of workloads) {
    for (let run = 1; run <= options.runs; run += 1) {
      // Mechanisms take turns within a run, so slow drifts of the machine hit them alike.
      for (const mechanism of casesOf(workload, run)) {
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
        concurrency: CLUSTER_CONCURRENCY,
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
  mkdirSync(options.outDir, { recursive: true });
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
