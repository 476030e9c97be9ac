/**
 * `nestjs-delay-task/testing`: a throwaway Redis for tests, and a clock that
 * drives the real module without waiting for due times.
 */
export { startTestRedis } from './start-test-redis';
export type { StartTestRedisOptions, TestRedis } from './start-test-redis';
export { DelayTaskTestClock, DelayTaskTesting } from './delay-task-testing';
export type { FireOutcome } from './delay-task-testing';
export { RedisServerNotFoundError } from './redis-server-not-found.error';
