/**
 * BullMQ delayed jobs consumed by a no-op worker: the usual way to run delayed
 * work on Redis from Node.
 */
import { Queue, Worker } from 'bullmq';
import { now } from '../clock';
import {
  BenchTask,
  Endpoint,
  FireListener,
  Mechanism,
  rowId,
  rowLabel,
  SCHEDULE_CHUNK,
  taskIndex,
} from './mechanism';

const QUEUE_NAME = 'bench';

/** No payload: the job name carries the task key. */
type JobData = Record<string, never>;

/** BullMQ wants connection options (it makes its own blocking connection per worker). */
function connectionOf(url: string): { host: string; port: number } {
  const parsed = new URL(url);
  return { host: parsed.hostname, port: Number(parsed.port) };
}

class BullmqEndpoint implements Endpoint {
  constructor(
    private readonly queue: Queue<JobData>,
    private readonly worker: Worker<JobData> | undefined,
  ) {}

  async schedule(tasks: readonly BenchTask[]): Promise<void> {
    for (let start = 0; start < tasks.length; start += SCHEDULE_CHUNK) {
      // NOTE: BullMQ computes a job's due time as `timestamp + delay`; passing
      // both pins it to the intended due time, whatever the time addBulk runs.
      const timestamp = Date.now();
      await this.queue.addBulk(
        tasks.slice(start, start + SCHEDULE_CHUNK).map((task) => ({
          name: task.key,
          data: {},
          opts: {
            timestamp,
            delay: Math.max(0, task.dueAt - timestamp),
            removeOnComplete: true,
            removeOnFail: true,
          },
        })),
      );
    }
  }

  async close(): Promise<void> {
    await this.worker?.close();
    await this.queue.close();
  }
}

export class BullmqMechanism implements Mechanism {
  readonly kind = 'bullmq' as const;
  readonly id: string;
  readonly label: string;
  readonly needsKeyspaceEvents = false;
  readonly storesTasks = true;

  constructor(readonly concurrency: number) {
    this.id = rowId({ kind: this.kind, concurrency });
    this.label = rowLabel({ kind: this.kind, concurrency });
  }

  describeSettings(): string {
    return `bullmq delayed jobs named after the task key with data \`{}\`, \`addBulk\` in chunks of ${SCHEDULE_CHUNK.toLocaleString('en-US')}, no-op worker with concurrency ${this.concurrency}, removeOnComplete/removeOnFail`;
  }

  async open(url: string, onFire?: FireListener): Promise<Endpoint> {
    const connection = connectionOf(url);
    const queue = new Queue<JobData>(QUEUE_NAME, { connection });
    await queue.waitUntilReady();
    if (!onFire) return new BullmqEndpoint(queue, undefined);

    const worker = new Worker<JobData>(
      QUEUE_NAME,
      async (job) => {
        const firedAt = now();
        onFire(taskIndex(job.name), firedAt);
      },
      { connection, concurrency: this.concurrency },
    );
    // An 'error' event with no listener would crash the process; report it instead.
    worker.on('error', (error) => console.error(`[bullmq worker] ${error.message}`));
    await worker.waitUntilReady();
    return new BullmqEndpoint(queue, worker);
  }
}
