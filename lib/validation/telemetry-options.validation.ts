import { describe } from '../delay-task.messages';
import { InvalidOptionsError } from '../errors/invalid-options.error';
import { MetricsOptions, PrometheusRegistry } from '../interfaces/telemetry-options.interface';

/** Whether an integration is off, on when its package is installed, or required. */
export type Switch = 'off' | 'auto' | 'on';

/** The telemetry options, checked, with their defaults. */
export interface ResolvedTelemetryOptions {
  /** Absent: no Prometheus; a registry of undefined means prom-client's default one. */
  prometheus?: { registry?: PrometheusRegistry };
  openTelemetryMetrics: Switch;
  tracing: Switch;
}

const WHERE = 'DelayTaskModule options';
const METRICS_KEYS = new Set(['prometheus', 'openTelemetry']);

function isRegistry(value: unknown): value is PrometheusRegistry {
  const registry = value as Partial<Record<string, unknown>> | null;
  return (
    typeof registry === 'object' &&
    registry !== null &&
    typeof registry.registerMetric === 'function' &&
    typeof registry.removeSingleMetric === 'function' &&
    typeof registry.metrics === 'function'
  );
}

function prometheusOption(value: unknown): ResolvedTelemetryOptions['prometheus'] {
  if (value === undefined || value === false) return undefined;
  if (value === true) return {};
  if (value !== null && typeof value === 'object') {
    const { registry, ...rest } = value as { registry?: unknown };
    const unknown = Object.keys(rest);
    if (unknown.length > 0) {
      throw new InvalidOptionsError(
        `${WHERE}: "metrics.prometheus" takes { registry }, got an unknown option "${unknown[0]}".`,
      );
    }
    if (registry === undefined) return {};
    if (isRegistry(registry)) return { registry };
    throw new InvalidOptionsError(
      `${WHERE}: "metrics.prometheus.registry" must be a prom-client Registry ` +
        `(new Registry() or register), got ${describe(registry)}.`,
    );
  }
  throw new InvalidOptionsError(
    `${WHERE}: "metrics.prometheus" must be true, false or { registry }, got ${describe(value)}.`,
  );
}

function switchOption(value: unknown, name: string, allowAuto: boolean): Switch {
  if (value === undefined || (allowAuto && value === 'auto')) return 'auto';
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  throw new InvalidOptionsError(
    `${WHERE}: "${name}" must be a boolean${allowAuto ? " or 'auto'" : ''}, got ${describe(value)}.`,
  );
}

/** Checks `metrics` and `tracing` (documented on `DelayTaskModuleOptions`). */
export function resolveTelemetryOptions(options: {
  metrics?: MetricsOptions | false;
  tracing?: boolean;
}): ResolvedTelemetryOptions {
  const { metrics, tracing } = options;
  const tracingSwitch = switchOption(tracing, 'tracing', false);
  if (metrics === false) {
    return { openTelemetryMetrics: 'off', tracing: tracingSwitch };
  }
  if (metrics !== undefined && (metrics === null || typeof metrics !== 'object')) {
    throw new InvalidOptionsError(
      `${WHERE}: "metrics" must be false or { prometheus?, openTelemetry? }, got ${describe(metrics)}.`,
    );
  }
  const unknown = Object.keys(metrics ?? {}).find((name) => !METRICS_KEYS.has(name));
  if (unknown !== undefined) {
    throw new InvalidOptionsError(
      `${WHERE}: "metrics" has an unknown option "${unknown}" (known: prometheus, openTelemetry).`,
    );
  }
  return {
    prometheus: prometheusOption(metrics?.prometheus),
    openTelemetryMetrics: switchOption(metrics?.openTelemetry, 'metrics.openTelemetry', true),
    tracing: tracingSwitch,
  };
}
