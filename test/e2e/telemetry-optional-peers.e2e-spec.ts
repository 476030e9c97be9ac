import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { RedisServer } from '../../lib/testing/redis-server';
import { freshPrefix } from '../support/fixture-app';

const REPO_ROOT = resolve(__dirname, '..', '..');
const run = promisify(execFile);

/** What `telemetry-boot-main.ts` reports. */
interface BootReport {
  loaded?: string[];
  error?: string;
  message?: string;
}

/** Boots the module in a fresh node process, with `hide` looking not installed. */
async function boot(redisUrl: string, options: object, hide: string[] = []): Promise<BootReport> {
  const { stdout } = await run(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      '-r',
      join(__dirname, '..', 'support', 'hide-packages.ts'),
      join(__dirname, '..', 'support', 'telemetry-boot-main.ts'),
    ],
    {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        TS_NODE_PROJECT: join(REPO_ROOT, 'test', 'tsconfig.json'),
        REDIS_URL: redisUrl,
        BOOT_OPTIONS: JSON.stringify({ prefix: freshPrefix(), ...options }),
        HIDE_PACKAGES: hide.join(','),
      },
    },
  );
  return JSON.parse(stdout.trim().split('\n').pop()!) as BootReport;
}

describe('optional peers of telemetry', () => {
  let redis: RedisServer;
  beforeAll(async () => (redis = await RedisServer.start()));
  afterAll(async () => redis.stop());

  it('loads prom-client only when metrics.prometheus asks, and nothing with metrics and tracing off', async () => {
    expect(await boot(redis.url, {})).toEqual({ loaded: ['@opentelemetry/api'] });
    expect(await boot(redis.url, { metrics: false, tracing: false })).toEqual({ loaded: [] });
    expect(await boot(redis.url, { metrics: { prometheus: true } })).toEqual({
      loaded: ['prom-client', '@opentelemetry/api'],
    });
  });

  it('fails the bootstrap with OptionalDependencyMissingError when an asked-for peer is not installed', async () => {
    expect(await boot(redis.url, { metrics: { prometheus: true } }, ['prom-client'])).toEqual({
      error: 'OptionalDependencyMissingError',
      message: expect.stringMatching(
        /metrics\.prometheus needs the package "prom-client".*npm install prom-client/,
      ),
    });
    expect(await boot(redis.url, { tracing: true }, ['@opentelemetry/api'])).toEqual({
      error: 'OptionalDependencyMissingError',
      message: expect.stringMatching(/^tracing needs the package "@opentelemetry\/api"/),
    });
    // Not asked for explicitly: OpenTelemetry is simply off when its API is not installed.
    expect(await boot(redis.url, {}, ['@opentelemetry/api'])).toEqual({ loaded: [] });
  });
});
