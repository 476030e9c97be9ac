/** What the results were measured on, for the report header. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';
import type Redis from 'ioredis';
import { REPO_ROOT } from './paths';

export interface Environment {
  nproc: number;
  cpuModel: string;
  memoryGiB: number;
  node: string;
  redis: string;
  bullmq: string;
  ioredis: string;
  /** Commit of the library measured, flagged when lib/ has uncommitted changes. */
  library: string;
  /** ISO date-time the run started. */
  date: string;
  mode: 'quick' | 'full';
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return match ? match[1].trim() : 'unknown';
  } catch {
    return 'unknown';
  }
}

function packageVersion(name: string): string {
  try {
    const manifest = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')) as {
      version?: string;
    };
    return manifest.version ?? 'unknown';
  } catch {
    return 'unknown';
  }
}

function libraryRevision(): string {
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  try {
    const commit = git('rev-parse', '--short', 'HEAD');
    return git('status', '--porcelain', '--', 'lib') === ''
      ? commit
      : `${commit} with uncommitted changes in lib/`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** Reads versions from the running bench server (the one measured), the rest from this process. */
export async function collectEnvironment(
  admin: Redis,
  mode: 'quick' | 'full',
  startedAt: Date,
): Promise<Environment> {
  const serverInfo = await admin.info('server');
  return {
    nproc: availableParallelism(),
    cpuModel: cpuModel(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    redis: /redis_version:(\S+)/.exec(serverInfo)?.[1] ?? 'unknown',
    bullmq: packageVersion('bullmq'),
    ioredis: packageVersion('ioredis'),
    library: libraryRevision(),
    date: startedAt.toISOString(),
    mode,
  };
}
