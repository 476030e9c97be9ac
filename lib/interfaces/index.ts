export * from './backoff.interface';
export * from './delay-task-module-options.interface';
export * from './expired-key-event.interface';
export * from './instance-info.interface';
export * from './on-key-expired-options.interface';
export * from './schedule-options.interface';
export * from './task-info.interface';
export * from './task-lifecycle-event.interface';
