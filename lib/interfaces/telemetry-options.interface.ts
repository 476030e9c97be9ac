/**
 * The part of a prom-client `Registry` the module uses: pass prom-client's
 * own (`new Registry()`, or `register`, the default one that
 * `@willsoto/nestjs-prometheus` serves).
 */
export interface PrometheusRegistry {
  registerMetric(metric: never): void;
  removeSingleMetric(name: string): void;
  metrics(): Promise<string>;
}

/** Where the Prometheus metrics go. */
export interface PrometheusMetricsOptions {
  /**
   * The prom-client registry to register the metrics in.
   * @default prom-client's default registry (`register`)
   */
  registry?: PrometheusRegistry;
}

/**
 * The module's metrics (see docs/telemetry.md for the names). prom-client and
 * `@opentelemetry/api` are optional peer dependencies, loaded only when used.
 */
export interface MetricsOptions {
  /**
   * Register the metrics in a prom-client registry: `true` for the default
   * registry. Needs `prom-client` installed (fails at bootstrap otherwise).
   * @default false
   */
  prometheus?: boolean | PrometheusMetricsOptions;
  /**
   * Report the metrics through the OpenTelemetry metrics API. `'auto'`: when
   * `@opentelemetry/api` is installed and a `MeterProvider` is registered by
   * the time the app is created. `true`: whenever the package is there (a
   * missing `@opentelemetry/api` is a bootstrap error); a `MeterProvider`
   * registered after the app was created still sees nothing, as the
   * OpenTelemetry metrics API hands out no-op meters until one exists.
   * @default 'auto'
   */
  openTelemetry?: boolean | 'auto';
}
