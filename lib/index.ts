export { DelayTaskModule } from './delay-task.module';
export { DelayTaskService } from './delay-task.service';
export { OnKeyExpired } from './decorators/on-key-expired.decorator';
export * from './errors';
export * from './interfaces';
