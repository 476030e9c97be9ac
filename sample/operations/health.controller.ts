import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { DelayTaskHealthIndicator } from '../../lib/terminus';

/** Down when a task waits this long past its due time: no instance handles it, or they cannot keep up. */
const MAX_OLDEST_OVERDUE_MS = 60_000;
/** Down past this many dead letters: something keeps failing. */
const MAX_DEAD = 100;

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly delayTask: DelayTaskHealthIndicator,
  ) {}

  /** 200 `{ status: 'ok', ... }`, or 503 with `details['delay-task'].problems` saying why. */
  @Get()
  @HealthCheck()
  check() {
    return this.health.check([
      () =>
        this.delayTask.isHealthy('delay-task', {
          maxOldestOverdueMs: MAX_OLDEST_OVERDUE_MS,
          maxDead: MAX_DEAD,
        }),
    ]);
  }
}
