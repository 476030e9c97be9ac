import {
  Body,
  Delete,
  Get,
  HttpCode,
  NotFoundException,
  Param,
  Post,
  Query,
  UseFilters,
} from '@nestjs/common';
import { DelayTaskService } from '../delay-task.service';
import { DelayTaskExceptionFilter } from '../http/delay-task-exception.filter';
import { InstanceInfo } from '../interfaces/instance-info.interface';
import { DueTime } from '../interfaces/schedule-options.interface';
import { DeadLetterPage, TaskListQuery, TaskPage } from '../interfaces/task-info.interface';
import { DashboardOverview, DashboardOverviewReader } from './dashboard-overview';
import { queryNumber, queryText } from './query-values';

/**
 * The dashboard's JSON API, under `<path>/api/`; the page uses nothing else.
 * Values go to `DelayTaskService` as they came: a bad one is answered 400 with
 * the module's named error; a key that is not in the asked state, 404.
 *
 * NOTE: not decorated with `@Controller`: `DelayTaskDashboardModule.register`
 * mounts a subclass at the configured path, with the configured guards.
 */
@UseFilters(DelayTaskExceptionFilter)
export class DashboardApiController {
  constructor(
    private readonly tasks: DelayTaskService,
    private readonly overview: DashboardOverviewReader,
  ) {}

  /** `stats()`, the live instances' summed lateness, and the due timeline. */
  @Get('api/stats')
  stats(): Promise<DashboardOverview> {
    return this.overview.read();
  }

  @Get('api/instances')
  instances(): Promise<InstanceInfo[]> {
    return this.tasks.instances();
  }

  /** `list()`: `?state=pending|active&pattern&from&to&limit&cursor` (from, to: epoch ms). */
  @Get('api/tasks')
  list(
    @Query('state') state?: string,
    @Query('pattern') pattern?: string,
    @Query('from') from?: string,
    @Query('to') to?: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
  ): Promise<TaskPage> {
    return this.tasks.list({
      state: queryText(state) as TaskListQuery['state'],
      pattern: queryText(pattern),
      from: queryNumber(from),
      to: queryNumber(to),
      limit: queryNumber(limit),
      cursor: queryText(cursor),
    });
  }

  /** Makes a pending task claimable now, its due time unchanged. */
  @Post('api/tasks/:key/run')
  @HttpCode(200)
  async run(@Param('key') key: string): Promise<{ key: string; runAt: number }> {
    return { key, runAt: found(await this.tasks.runNow(key), key, 'pending') };
  }

  /** Body `{ delay }` (ms from now) or `{ at }` (epoch ms). */
  @Post('api/tasks/:key/reschedule')
  @HttpCode(200)
  async reschedule(
    @Param('key') key: string,
    @Body() due: DueTime,
  ): Promise<{ key: string; dueAt: number }> {
    return { key, dueAt: found(await this.tasks.reschedule(key, due), key, 'pending') };
  }

  @Delete('api/tasks/:key')
  async cancel(@Param('key') key: string): Promise<{ key: string; cancelled: true }> {
    if (!(await this.tasks.cancel(key))) throw notFound(key, 'pending');
    return { key, cancelled: true };
  }

  /** `deadLetters()`: `?pattern&limit&cursor`. */
  @Get('api/dead')
  dead(
    @Query('pattern') pattern?: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
  ): Promise<DeadLetterPage> {
    return this.tasks.deadLetters({
      pattern: queryText(pattern),
      limit: queryNumber(limit),
      cursor: queryText(cursor),
    });
  }

  /** Body `{ delay }` or `{ at }`, or none: pending again now. */
  @Post('api/dead/:key/requeue')
  @HttpCode(200)
  async requeue(
    @Param('key') key: string,
    @Body() due?: DueTime,
  ): Promise<{ key: string; dueAt: number }> {
    const given = due && Object.keys(due).length > 0 ? due : undefined;
    return { key, dueAt: found(await this.tasks.requeue(key, given), key, 'dead-lettered') };
  }

  @Delete('api/dead/:key')
  async discard(@Param('key') key: string): Promise<{ key: string; discarded: true }> {
    if (!(await this.tasks.discard(key))) throw notFound(key, 'dead-lettered');
    return { key, discarded: true };
  }
}

type WantedState = 'pending' | 'dead-lettered';

/** The service's answer, or 404 when it had no such task. */
function found<T>(value: T | null, key: string, state: WantedState): T {
  if (value === null) throw notFound(key, state);
  return value;
}

function notFound(key: string, state: WantedState): NotFoundException {
  return new NotFoundException(`No ${state} task "${key}".`);
}
