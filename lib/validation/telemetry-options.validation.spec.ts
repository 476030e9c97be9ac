import { InvalidOptionsError } from '../errors/invalid-options.error';
import { resolveTelemetryOptions } from './telemetry-options.validation';

describe('resolveTelemetryOptions', () => {
  it('defaults to no Prometheus, and OpenTelemetry metrics and tracing when installed', () => {
    expect(resolveTelemetryOptions({})).toEqual({
      prometheus: undefined,
      openTelemetryMetrics: 'auto',
      tracing: 'auto',
    });
  });

  it('takes true (default registry), a registry, false, and explicit switches', () => {
    const registry = { registerMetric() {}, removeSingleMetric() {}, metrics: async () => '' };
    expect(resolveTelemetryOptions({ metrics: { prometheus: true } }).prometheus).toEqual({});
    expect(resolveTelemetryOptions({ metrics: { prometheus: { registry } } }).prometheus).toEqual({
      registry,
    });
    expect(
      resolveTelemetryOptions({ metrics: { openTelemetry: false }, tracing: true }),
    ).toMatchObject({ openTelemetryMetrics: 'off', tracing: 'on' });
    expect(resolveTelemetryOptions({ metrics: false, tracing: false })).toEqual({
      openTelemetryMetrics: 'off',
      tracing: 'off',
    });
  });

  it.each([
    [{ metrics: 'on' }, /"metrics" must be false or/],
    [{ metrics: { prometheus: true, prometeus: true } }, /unknown option "prometeus"/],
    [{ metrics: { prometheus: { registry: new Map() } } }, /must be a prom-client Registry/],
    [{ metrics: { prometheus: { register: {} } } }, /unknown option "register"/],
    [{ metrics: { prometheus: 1 } }, /"metrics.prometheus" must be/],
    [{ metrics: { openTelemetry: 'yes' } }, /"metrics.openTelemetry" must be a boolean or 'auto'/],
    [{ tracing: 'auto' }, /"tracing" must be a boolean/],
  ])('rejects %j with InvalidOptionsError', (options, message) => {
    const resolve = () => resolveTelemetryOptions(options as never);
    expect(resolve).toThrow(InvalidOptionsError);
    expect(resolve).toThrow(message);
  });
});
