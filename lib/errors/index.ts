export * from './delay-task.error';
export * from './invalid-task-key.error';
export * from './invalid-delay.error';
export * from './invalid-payload.error';
export * from './payload-too-large.error';
export * from './invalid-pattern.error';
export * from './invalid-options.error';
export * from './redis-connection.error';
