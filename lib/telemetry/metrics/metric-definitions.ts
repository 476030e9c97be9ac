import { LATENESS_BUCKETS_SECONDS } from '../lateness-histogram';

/** What a metric is, as both exporters describe it. */
export interface MetricDefinition {
  name: string;
  help: string;
  type: 'counter' | 'gauge' | 'histogram';
  /** Label names, in the order the metric set records them. */
  labels: readonly string[];
  /** Histograms only: upper bounds of the buckets, seconds. */
  buckets?: readonly number[];
  /** OpenTelemetry unit (UCUM). */
  unit?: string;
}

/**
 * Upper bounds (seconds) of the handler duration buckets: a handler is
 * usually a few ms of I/O, and one past the 30 s default lease is worth seeing.
 */
export const HANDLER_DURATION_BUCKETS_SECONDS: readonly number[] = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
];

/** The module's metric set (names fixed by DESIGN.md "Telemetry"); labelled by pattern, never by key. */
export const METRICS = {
  scheduled: {
    name: 'delay_task_scheduled_total',
    help: 'Tasks this instance scheduled (schedule and scheduleMany items).',
    type: 'counter',
    labels: [],
  },
  deliveries: {
    name: 'delay_task_deliveries_total',
    help: 'Deliveries of scheduled tasks this instance ran, by handler pattern, what delivered them (timer, recovery) and how they ended (completed, retrying, dead).',
    type: 'counter',
    labels: ['pattern', 'source', 'outcome'],
  },
  deadLettered: {
    name: 'delay_task_dead_lettered_total',
    help: 'Scheduled tasks this instance moved to the dead-letter set after their last attempt failed.',
    type: 'counter',
    labels: ['pattern'],
  },
  lateness: {
    name: 'delay_task_lateness_seconds',
    help: 'How late each delivery started after the moment it became due (due time, retry time or lease expiry); source="keyspace" is the expired-event lag Redis showed for a probe key.',
    type: 'histogram',
    labels: ['source'],
    buckets: LATENESS_BUCKETS_SECONDS,
    unit: 's',
  },
  handlerDuration: {
    name: 'delay_task_handler_duration_seconds',
    help: 'How long the handlers of one scheduled delivery ran, by handler pattern and outcome.',
    type: 'histogram',
    labels: ['pattern', 'outcome'],
    buckets: HANDLER_DURATION_BUCKETS_SECONDS,
    unit: 's',
  },
  keyspaceEvents: {
    name: 'delay_task_keyspace_events_total',
    help: 'Plain expired keys this instance received, by the pattern of the first handler they matched ("" for none).',
    type: 'counter',
    labels: ['pattern'],
  },
  pending: {
    name: 'delay_task_pending',
    help: 'Scheduled tasks waiting for a delivery (due or not), in the whole store.',
    type: 'gauge',
    labels: [],
  },
  overdue: {
    name: 'delay_task_overdue',
    help: 'Pending tasks whose moment to run has passed, in the whole store.',
    type: 'gauge',
    labels: [],
  },
  oldestOverdue: {
    name: 'delay_task_oldest_overdue_seconds',
    help: 'How long the longest-waiting overdue task has been claimable (0 when none is).',
    type: 'gauge',
    labels: [],
    unit: 's',
  },
  active: {
    name: 'delay_task_active',
    help: 'Scheduled tasks being delivered right now, by any instance.',
    type: 'gauge',
    labels: [],
  },
  dead: {
    name: 'delay_task_dead',
    help: 'Dead-lettered tasks, in the whole store.',
    type: 'gauge',
    labels: [],
  },
  inFlight: {
    name: 'delay_task_in_flight',
    help: 'Deliveries of scheduled tasks this instance is running.',
    type: 'gauge',
    labels: [],
  },
} as const satisfies Record<string, MetricDefinition>;

/** The gauges read from Redis (and this process) on collection. */
export type GaugeName = 'pending' | 'overdue' | 'oldestOverdue' | 'active' | 'dead' | 'inFlight';
export const GAUGES: readonly GaugeName[] = [
  'pending',
  'overdue',
  'oldestOverdue',
  'active',
  'dead',
  'inFlight',
];
