import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { DelayTaskHealthOptions } from '../health/delay-task-health-options.interface';
import { DelayTaskHealth } from '../health/delay-task-health';
import { validateHealthKey, validateHealthOptions } from '../validation/health-options.validation';

/**
 * A Terminus health indicator for the delay-task module, on the module's own
 * connections. Provide it in a module that imports `TerminusModule`
 * (`DelayTaskModule` is global by default, so nothing else is needed).
 *
 * @example
 * ```ts
 * @Get('health')
 * @HealthCheck()
 * check() {
 *   return this.health.check([
 *     () => this.delayTask.isHealthy('delay-task', { maxOldestOverdueMs: 60_000, maxDead: 100 }),
 *   ]);
 * }
 * ```
 */
@Injectable()
export class DelayTaskHealthIndicator {
  constructor(
    private readonly indicators: HealthIndicatorService,
    private readonly health: DelayTaskHealth,
  ) {}

  /**
   * Up, or down with `problems` saying why: Redis does not answer, the
   * keyspace subscriber is disconnected (keyspace events on), a server's
   * `notify-keyspace-events` lacks `E` or `x`, or a threshold is passed. The
   * result carries `redis`, `keyspaceSubscriber`, `keyspaceFlags`,
   * `oldestOverdueMs` and `dead` either way.
   *
   * @param key - the name of this check in the health result (default `'delay-task'`)
   * @param options - thresholds and timeout (see `DelayTaskHealthOptions`)
   * @throws InvalidOptionsError for a key that is not a non-empty string or options of the wrong type
   */
  async isHealthy<Key extends string = 'delay-task'>(
    key: Key = 'delay-task' as Key,
    options?: DelayTaskHealthOptions,
  ): Promise<HealthIndicatorResult<Key>> {
    const indicator = this.indicators.check(validateHealthKey(key) as Key);
    const report = await this.health.check(validateHealthOptions(options));
    return report.healthy
      ? indicator.up({ ...report.details })
      : indicator.down({ ...report.details, problems: report.problems });
  }
}
