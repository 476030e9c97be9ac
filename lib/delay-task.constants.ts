/** Metadata key under which `@OnKeyExpired` stores its array of registrations. */
export const ON_KEY_EXPIRED_METADATA = 'nestjs-delay-task:on-key-expired';

/** Metadata key under which `@OnTaskEvent` stores its array of registrations. */
export const ON_TASK_EVENT_METADATA = 'nestjs-delay-task:on-task-event';

/**
 * Version of the Lua scripts' data layout. Scripts are registered under names
 * that carry it, so two library versions sharing one Redis never run each
 * other's scripts.
 */
export const SCRIPT_VERSION = 4;

/**
 * How long one instance holds the right to handle a plain expired key with
 * `{ exclusive: true }`. Long enough for every subscribed instance to have
 * received the same Pub/Sub message, short enough that the key expiring again
 * later is handled again.
 */
export const EXCLUSIVE_WINDOW_MS = 3_000;

/** Most scheduled tasks written by one script call (`scheduleMany` splits larger batches). */
export const SCHEDULE_BATCH_SIZE = 1_000;

/** Most due entries one claim call inspects, so a script never blocks Redis for long. */
export const CLAIM_SCAN_LIMIT = 1_000;

/** Most entries one `list` page inspects per shard (a page with a narrow pattern may come back short). */
export const LIST_SCAN_LIMIT = 2_000;

/** Most due entries one `cancelMatching` call inspects, so a script never blocks Redis for long. */
export const CANCEL_SCAN_LIMIT = 1_000;

/** Most claims one acknowledgement or lease renewal call carries (larger sets take several calls). */
export const CLAIMS_PER_CALL = 1_000;

/** Injection token of the validated module options with defaults filled in. */
export const RESOLVED_DELAY_TASK_OPTIONS = Symbol('RESOLVED_DELAY_TASK_OPTIONS');

/** Shards of the task index on a Redis Cluster (one on a single Redis): enough to spread over many masters. */
export const CLUSTER_SHARDS = 16;

/**
 * Heartbeat periods after which an instance that stopped writing its
 * heartbeat counts as gone: one late heartbeat (a busy event loop, a Redis
 * blip) does not make a live instance disappear.
 */
export const HEARTBEATS_BEFORE_GONE = 3;

/**
 * Most overdue tasks `stats()` inspects to report the unhandled ones, read
 * from the start of the due index (the oldest), split evenly over the shards.
 */
export const UNHANDLED_SAMPLE_SIZE = 1_000;

/** Metadata key under which `@Recurring` stores its array of series declarations. */
export const RECURRING_METADATA = 'nestjs-delay-task:recurring';
