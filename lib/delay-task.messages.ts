/** User-facing messages, kept together so they read consistently. */

export const handlerPatternInvalid = (where: string, pattern: unknown) =>
  `@OnKeyExpired on ${where}: the pattern must be a non-empty string, got ${describe(pattern)}.`;

export const handlerOptionsInvalid = (where: string, problem: string) =>
  `@OnKeyExpired on ${where}: ${problem}.`;

export const requestScopedHandler = (where: string, decorators = '@OnKeyExpired') =>
  `${decorators} on ${where} is ignored: the provider is request-scoped (or depends on one), ` +
  `and the module calls it outside any request. Make it a singleton provider.`;

export const transientHandler = (where: string, decorators = '@OnKeyExpired') =>
  `${decorators} on ${where} is ignored: the provider is transient (one instance per consumer), ` +
  `so there is no single instance to call. Make it a singleton provider.`;

export const taskEventTypeInvalid = (where: string, type: unknown, known: readonly string[]) =>
  `@OnTaskEvent on ${where}: the event type must be one of ${known.map((t) => `'${t}'`).join(', ')}; ` +
  `got ${describe(type)}.`;

export const taskEventPatternInvalid = (where: string, pattern: unknown) =>
  `@OnTaskEvent on ${where}: the pattern, when given, must be a non-empty string; got ${describe(pattern)}.`;

export const taskEventListenerFailed = (where: string, type: string, key: string, error: unknown) =>
  `Task event listener ${where} failed on "${type}" of "${key}" (the task is not affected): ${errorMessage(error)}`;

export const heartbeatFailed = (error: unknown) =>
  `Could not write this instance's heartbeat, will retry (after three missed periods instances() ` +
  `no longer lists it): ${errorMessage(error)}`;

export const healthOptionsInvalid = (problem: string) =>
  `DelayTaskHealthIndicator.isHealthy: ${problem}.`;

export const redisNotReady = (status: string) => `the Redis connection is ${status}`;

export const noMasterKnown = () => `the Redis Cluster client knows no master`;

export const redisDidNotAnswer = (address: string, reason: string) =>
  `Redis at ${address} did not answer PING: ${reason}`;

export const subscriberDisconnected = () =>
  `the keyspace subscriber is disconnected: plain expired keys published meanwhile are lost`;

export const keyspaceFlagsMissing = (address: string, flags: string, missing: string) =>
  `notify-keyspace-events on ${address} is "${flags}", missing "${missing}": Redis publishes no expired ` +
  `events (plain expired keys are not delivered; scheduled tasks still run)`;

export const oldestOverdueTooOld = (oldestOverdueMs: number, maxOldestOverdueMs: number) =>
  `a task has been overdue for ${oldestOverdueMs} ms (more than maxOldestOverdueMs ${maxOldestOverdueMs}); ` +
  `see stats().unhandled for tasks no live instance handles`;

export const tooManyDeadLetters = (dead: number, maxDead: number) =>
  `${dead} dead letter(s), more than maxDead ${maxDead}`;

export const healthReadFailed = (what: string, reason: string) =>
  `could not read ${what}: ${reason}`;

export const keyspaceFlagsMerged = (address: string, before: string, after: string) =>
  `notify-keyspace-events on ${address} was "${before}"; set to "${after}" so expired keys are published.`;

export const keyspaceFlagsUnavailable = (address: string, reason: string) =>
  `Cannot read or set notify-keyspace-events on ${address} (${reason}). Plain expired keys will not be ` +
  `delivered unless it includes "Ex" (e.g. notify-keyspace-events Ex in the server's configuration); ` +
  `scheduled tasks still run.`;

export const keyeventChannelRefused = (address: string, channel: string, reason: string) =>
  `Not allowed to subscribe to ${channel} on ${address} (${reason}). Plain expired keys will not be ` +
  `delivered; scheduled tasks still run. To receive them, grant the channel to the module's ACL user ` +
  `(&${channel}) and set notify-keyspace-events Ex; to stop asking, set keyspaceEvents: false.`;

export const evictionPolicyUnsafe = (servers: Array<{ address: string; policy: string }>) => {
  const where = servers.map(({ address, policy }) => `"${policy}" on ${address}`).join(', ');
  // NOTE: volatile-* policies evict only keys with a TTL; the module's task records have none.
  const risk = servers.every(({ policy }) => policy.startsWith('volatile-'))
    ? 'Redis may delete keys that have a TTL to make room, so a plain key can vanish without ever ' +
      'being delivered as expired'
    : 'Redis may delete any key to make room, so scheduled tasks, their index and dead letters can be lost';
  return (
    `maxmemory-policy is ${where}: under memory pressure ${risk}. Set maxmemory-policy noeviction ` +
    `(Redis then refuses writes when full instead of dropping data).`
  );
};

export const evictionPolicyUnchecked = (addresses: string[], reason: string) =>
  `Could not check maxmemory-policy on ${addresses.join(', ')} (${reason}); it should be noeviction.`;

export const redisUnreachable = (address: string, reason: string) =>
  `Cannot connect to Redis at ${address}: ${reason}. Check the "connection" option of DelayTaskModule.`;

export const redisPermissionDenied = (address: string, reason: string, prefix: string) =>
  `Redis at ${address} refused the module something it needs (${reason}). Its ACL user needs at least ` +
  `"+@all -@dangerous +info ~${prefix}:* &${prefix}:*" (see "Production Redis" in the README).`;

export const handlerFailed = (where: string, key: string, error: unknown) =>
  `Handler ${where} failed for key "${key}": ${errorMessage(error)}`;

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${String(value)}`;
}

export const replicationTimedOut = (
  written: number,
  acknowledged: number,
  required: number,
  timeoutMs: number,
) =>
  `${written} task(s) were written to the master, but only ${acknowledged} of the ${required} ` +
  `required replica(s) acknowledged them within ${timeoutMs} ms. The tasks are pending and will fire; ` +
  `they may be lost only if the master fails before a replica has them. Scheduling them again is safe ` +
  `(it replaces them).`;
