/**
 * Smoke test of the built package in a NestJS 12 app (ESM-only, so jest on
 * Node 20 cannot load it): packs the repo, installs the tarball next to
 * Nest 12 in a temporary directory, and runs the app in test/smoke/app once
 * through require (main.cjs) and once through import (main.mjs), each against
 * a redis-server started here. Exits non-zero if either fails.
 *
 * Needs `npm run build` first, network access to the npm registry, and
 * `redis-server` on PATH. Set SMOKE_KEEP=1 to keep the temporary directory.
 */
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RedisServer, redisServerAvailable } from '../../lib/testing/redis-server';

const ROOT = resolve(__dirname, '..', '..');
const TEMPLATE = join(__dirname, 'app');
const ENTRIES = ['main.cjs', 'main.mjs'];
/** Installed with the tarball; Nest's major is the point of the test. */
const DEPENDENCIES = [
  '@nestjs/common@^12',
  '@nestjs/core@^12',
  'ioredis',
  'rxjs',
  'reflect-metadata',
];
/** An entry waits at most 15 s for its handlers; this also covers boot and shutdown. */
const ENTRY_TIMEOUT_MS = 45_000;

function log(message: string): void {
  console.log(`[smoke] ${message}`);
}

/** Runs npm with its output captured, showing it only when npm fails. */
function npm(args: string[], cwd: string): string {
  try {
    return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(' ')} failed in ${cwd}\n${stdout ?? ''}${stderr ?? ''}`);
  }
}

function installedVersion(appDir: string, name: string): string {
  const manifest = join(appDir, 'node_modules', ...name.split('/'), 'package.json');
  return (JSON.parse(readFileSync(manifest, 'utf8')) as { version: string }).version;
}

/** Runs one entry file with node; resolves to whether it printed its result and exited 0. */
function runEntry(appDir: string, entry: string, env: NodeJS.ProcessEnv): Promise<boolean> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, [entry], {
      cwd: appDir,
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      process.stdout.write(chunk);
    });
    const timer = setTimeout(() => {
      const printedOk = /^SMOKE \S+ ok/m.test(output);
      log(
        `${entry} still running after ${ENTRY_TIMEOUT_MS} ms` +
          (printedOk
            ? ' although it passed: something keeps the process alive after app.close()'
            : ''),
      );
      child.kill('SIGKILL');
    }, ENTRY_TIMEOUT_MS);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const passed = code === 0 && /^SMOKE \S+ ok/m.test(output);
      log(`${entry}: ${passed ? 'passed' : `FAILED (exit ${code ?? signal})`}`);
      resolvePromise(passed);
    });
  });
}

async function main(): Promise<boolean> {
  if (!existsSync(join(ROOT, 'dist', 'index.js'))) {
    log('dist/index.js is missing: run `npm run build` first');
    return false;
  }
  if (!redisServerAvailable()) {
    log('redis-server is not on PATH');
    return false;
  }

  // Outside the repo, so node cannot fall back on the repo's own node_modules (Nest 11).
  const appDir = mkdtempSync(join(tmpdir(), 'delay-task-smoke-'));
  let redis: RedisServer | undefined;
  try {
    const [packed] = JSON.parse(npm(['pack', '--json', '--pack-destination', appDir], ROOT)) as {
      filename: string;
    }[];
    const tarball = join(appDir, packed.filename);
    log(`packed ${packed.filename}`);

    cpSync(TEMPLATE, appDir, {
      recursive: true,
      filter: (source) => !source.includes('node_modules'),
    });
    log(`installing ${DEPENDENCIES.join(' ')} and the tarball in ${appDir}`);
    npm(['install', '--no-audit', '--no-fund', ...DEPENDENCIES, tarball], appDir);
    log(
      `node ${process.version}, @nestjs/core ${installedVersion(appDir, '@nestjs/core')}, ` +
        `@nestjs/common ${installedVersion(appDir, '@nestjs/common')}, ` +
        `ioredis ${installedVersion(appDir, 'ioredis')}`,
    );

    redis = await RedisServer.start();
    const results: boolean[] = [];
    for (const [index, entry] of ENTRIES.entries()) {
      const env = { ...process.env, REDIS_URL: redis.url, SMOKE_PREFIX: `smoke${index}` };
      results.push(await runEntry(appDir, entry, env));
    }
    return results.every(Boolean);
  } finally {
    await redis?.stop();
    if (process.env.SMOKE_KEEP) log(`kept ${appDir}`);
    else rmSync(appDir, { recursive: true, force: true });
  }
}

main().then(
  (passed) => {
    log(passed ? 'all passed' : 'FAILED');
    process.exitCode = passed ? 0 : 1;
  },
  (error: unknown) => {
    log(`FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  },
);
