/**
 * The sample's settings, read from the environment. Durations are in
 * milliseconds; the defaults are the stories' real-life values, so set short
 * ones to try it (see sample/README.md).
 */
export interface SampleConfig {
  /** Redis the module connects to (chosen by `sample/redis.ts`). */
  redisUrl: string;
  /** Namespace of the module's own keys. */
  prefix: string;
  /** How long an order may stay unpaid before it is cancelled. */
  orderTimeoutMs: number;
  /** How long a pet's meal lasts. */
  mealMs: number;
  /** How much of a pending meal one acceleration card takes off. */
  accelerationMs: number;
  /** The dashboard at `/delay-tasks` asks for these (Basic auth); without a password it is open. */
  dashboardUser?: string;
  dashboardPassword?: string;
  /** The dashboard shows tasks and changes none. */
  dashboardReadOnly?: boolean;
  /**
   * Serve `GET /metrics`. prom-client's default registry is one per process,
   * so a test running two sample apps side by side turns it off in one.
   * @default true
   */
  metrics?: boolean;
}

/** Injection token of the `SampleConfig` value. */
export const SAMPLE_CONFIG = Symbol('SAMPLE_CONFIG');

const SECOND = 1_000;
const HOUR = 3_600 * SECOND;

/** Reads the durations from `env`, falling back to the stories' defaults. */
export function configFromEnv(env: NodeJS.ProcessEnv): Omit<SampleConfig, 'redisUrl'> {
  return {
    prefix: env.DELAY_TASK_PREFIX || 'sample',
    orderTimeoutMs: durationFromEnv(env, 'ORDER_TIMEOUT_MS', 30 * SECOND),
    mealMs: durationFromEnv(env, 'MEAL_MS', 4 * HOUR),
    accelerationMs: durationFromEnv(env, 'ACCELERATION_MS', 2 * HOUR),
    dashboardUser: env.DASHBOARD_USER || 'admin',
    dashboardPassword: env.DASHBOARD_PASSWORD || undefined,
    dashboardReadOnly: env.DASHBOARD_READ_ONLY === 'true',
  };
}

function durationFromEnv(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new Error(`${name} must be a whole number of milliseconds, got "${raw}"`);
  }
  return value;
}

/** `1500` → `1.5s`, `7200000` → `2h`: for the start-up message. */
export function formatDuration(ms: number): string {
  const units: [string, number][] = [
    ['h', HOUR],
    ['min', 60 * SECOND],
    ['s', SECOND],
  ];
  for (const [unit, size] of units) {
    if (ms >= size) return `${Number((ms / size).toFixed(1))}${unit}`;
  }
  return `${ms}ms`;
}
