import { Controller, Get, Query } from '@nestjs/common';
import { DeadLetterPage, DelayTaskService, InstanceInfo, TaskStats } from '../../lib';

/**
 * The module's own state, for operators. Query values go to the service as
 * they are: a bad one is answered 400 by `DelayTaskExceptionFilter`.
 */
@Controller('tasks')
export class TasksController {
  constructor(private readonly tasks: DelayTaskService) {}

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
      limit: limit === undefined ? undefined : Number(limit),
      cursor,
    });
  }
}
