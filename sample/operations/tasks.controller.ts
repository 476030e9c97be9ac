import { Controller, Get, Query } from '@nestjs/common';
import {
  DeadLetterPage,
  DelayTaskService,
  InstanceInfo,
  TaskListQuery,
  TaskPage,
  TaskStats,
} from '../../lib';

/**
 * The module's own state, for operators. Query values go to the service as
 * they are: a bad one is answered 400 by `DelayTaskExceptionFilter`.
 */
@Controller('tasks')
export class TasksController {
  constructor(private readonly tasks: DelayTaskService) {}

  /**
   * Pending tasks in the order they run, or in-flight ones:
   * `?state=active&pattern=order:*&from=<epoch ms>&to=<epoch ms>&limit=50&cursor=<from the previous page>`.
   */
  @Get()
  list(
    @Query('state') state?: string,
    @Query('pattern') pattern?: string,
    @Query('from') from?: string,
    @Query('to') to?: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
  ): Promise<TaskPage> {
    return this.tasks.list({
      state: state as TaskListQuery['state'],
      pattern,
      from: numberOrUndefined(from),
      to: numberOrUndefined(to),
      limit: numberOrUndefined(limit),
      cursor,
    });
  }

  /** Counts, the oldest overdue task's age, and overdue tasks no live instance handles. */
  @Get('stats')
  stats(): Promise<TaskStats> {
    return this.tasks.stats();
  }

  /** The live app instances and the patterns they handle. */
  @Get('instances')
  instances(): Promise<InstanceInfo[]> {
    return this.tasks.instances();
  }

  /** Dead letters, `?pattern=order:*&limit=50&cursor=<from the previous page>`. */
  @Get('dead')
  dead(
    @Query('pattern') pattern?: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
  ): Promise<DeadLetterPage> {
    return this.tasks.deadLetters({
      pattern,
      limit: numberOrUndefined(limit),
      cursor,
    });
  }
}

/** A query value as a number for the service to check (`'abc'` becomes NaN, which it refuses). */
function numberOrUndefined(value: string | undefined): number | undefined {
  return value === undefined ? undefined : Number(value);
}
