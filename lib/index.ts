export { DelayTaskModule } from './delay-task.module';
export { DelayTaskService } from './delay-task.service';
export { OnKeyExpired } from './decorators/on-key-expired.decorator';
export { OnTaskEvent } from './decorators/on-task-event.decorator';
export { Recurring } from './decorators/recurring.decorator';
export { DelayTaskExceptionFilter } from './http/delay-task-exception.filter';
export type { DelayTaskBadRequestBody } from './http/delay-task-exception.filter';
export * from './errors';
export * from './interfaces';
