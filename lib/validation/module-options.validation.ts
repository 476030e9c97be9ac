import { describe } from '../delay-task.messages';
import { InvalidOptionsError } from '../errors/invalid-options.error';
import { BackoffOption } from '../interfaces/backoff.interface';
import {
  DelayTaskConnection,
  DelayTaskModuleOptions,
  ReplicationOptions,
} from '../interfaces/delay-task-module-options.interface';
import { validateBackoffPolicy, validateMaxAttempts } from './task-input.validation';
import { ResolvedTelemetryOptions, resolveTelemetryOptions } from './telemetry-options.validation';

/** Module options with every default filled in. */
export interface ResolvedDelayTaskOptions {
  connection: DelayTaskConnection;
  prefix: string;
  concurrency: number;
  maxAttempts: number;
  backoff: BackoffOption;
  leaseMs: number;
  shutdownTimeoutMs: number;
  keyspaceEvents: boolean;
  maxPayloadBytes: number;
  sweepIntervalMs: number;
  heartbeatIntervalMs: number;
  replication?: ReplicationOptions;
  telemetry: ResolvedTelemetryOptions;
}

const WHERE = 'DelayTaskModule options';

function positiveInteger(
  options: DelayTaskModuleOptions,
  name: keyof DelayTaskModuleOptions,
  fallback: number,
): number {
  const value: unknown = options[name];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new InvalidOptionsError(
      `${WHERE}: "${name}" must be a positive integer, got ${describe(value)}.`,
    );
  }
  return value;
}

function replicationOption(value: unknown): ReplicationOptions | undefined {
  if (value === undefined) return undefined;
  const { replicas, timeoutMs } = (value ?? {}) as Partial<Record<string, unknown>>;
  const positive = (n: unknown) => typeof n === 'number' && Number.isInteger(n) && n >= 1;
  if (value === null || typeof value !== 'object' || !positive(replicas) || !positive(timeoutMs)) {
    throw new InvalidOptionsError(
      `${WHERE}: "replication" must be { replicas, timeoutMs }, both positive integers; got ` +
        (value !== null && typeof value === 'object'
          ? `{ replicas: ${describe(replicas)}, timeoutMs: ${describe(timeoutMs)} }.`
          : `${describe(value)}.`),
    );
  }
  return { replicas: replicas as number, timeoutMs: timeoutMs as number };
}

/** Checks the options' types and fills in the defaults (documented on `DelayTaskModuleOptions`). */
export function resolveModuleOptions(options: DelayTaskModuleOptions): ResolvedDelayTaskOptions {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionsError(`${WHERE} must be an object, got ${describe(options)}.`);
  }
  const { connection, prefix = 'dt', keyspaceEvents = true, backoff } = options;
  if (
    connection === undefined ||
    connection === null ||
    (typeof connection !== 'string' && typeof connection !== 'object')
  ) {
    throw new InvalidOptionsError(
      `${WHERE}: "connection" must be a redis:// URL, ioredis options, cluster nodes or an ioredis client; got ${describe(connection)}.`,
    );
  }
  if (typeof prefix !== 'string' || prefix.length === 0 || /[{}]/.test(prefix)) {
    throw new InvalidOptionsError(
      `${WHERE}: "prefix" must be a non-empty string without { or }, got ${describe(prefix)}.`,
    );
  }
  if (typeof keyspaceEvents !== 'boolean') {
    throw new InvalidOptionsError(
      `${WHERE}: "keyspaceEvents" must be a boolean, got ${describe(keyspaceEvents)}.`,
    );
  }
  if (backoff !== undefined && typeof backoff !== 'function') validateBackoffPolicy(backoff, WHERE);
  return {
    connection,
    prefix,
    concurrency: positiveInteger(options, 'concurrency', 100),
    maxAttempts: validateMaxAttempts(options.maxAttempts, WHERE) ?? 3,
    backoff: backoff ?? { type: 'exponential', delay: 1_000 },
    leaseMs: positiveInteger(options, 'leaseMs', 30_000),
    shutdownTimeoutMs: positiveInteger(options, 'shutdownTimeoutMs', 10_000),
    keyspaceEvents,
    maxPayloadBytes: positiveInteger(options, 'maxPayloadBytes', 1_048_576),
    sweepIntervalMs: positiveInteger(options, 'sweepIntervalMs', 1_000),
    heartbeatIntervalMs: positiveInteger(options, 'heartbeatIntervalMs', 5_000),
    replication: replicationOption(options.replication),
    telemetry: resolveTelemetryOptions(options),
  };
}
