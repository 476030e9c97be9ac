/**
 * Plain Redis keyspace notifications: the classic "TTL key + PSUBSCRIBE to
 * expired events" setup the module starts from. The harness turns on
 * `notify-keyspace-events Ex` for this mechanism's cases (`needsKeyspaceEvents`).
 */
import Redis from 'ioredis';
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

const EXPIRED_CHANNEL = '__keyevent@0__:expired';

class KeyspaceEndpoint implements Endpoint {
  constructor(
    private readonly client: Redis,
    private readonly subscriber: Redis | undefined,
  ) {}

  async schedule(tasks: readonly BenchTask[]): Promise<void> {
    for (let start = 0; start < tasks.length; start += SCHEDULE_CHUNK) {
      const pipeline = this.client.pipeline();
      for (const task of tasks.slice(start, start + SCHEDULE_CHUNK)) {
        // NOTE: PXAT (absolute expiry, Redis >= 6.2) rather than PX: a relative
        // TTL would be measured from whenever Redis processes the command, so
        // a long pipeline would shift due times and blur the lateness figure.
        pipeline.set(task.key, '1', 'PXAT', task.dueAt);
      }
      const replies = await pipeline.exec();
      const failed = replies?.find(([error]) => error);
      if (failed?.[0]) throw failed[0];
    }
  }

  async close(): Promise<void> {
    this.subscriber?.disconnect();
    this.client.disconnect();
  }
}

export class KeyspaceMechanism implements Mechanism {
  readonly kind = 'keyspace' as const;
  readonly id = rowId({ kind: this.kind });
  readonly label = rowLabel({ kind: this.kind });
  readonly needsKeyspaceEvents = true;
  readonly storesTasks = true;

  describeSettings(): string {
    return `\`SET key 1 PXAT due\` in pipelines of ${SCHEDULE_CHUNK.toLocaleString('en-US')}, \`PSUBSCRIBE ${EXPIRED_CHANNEL}\`, \`notify-keyspace-events Ex\`; no concurrency setting (every expired event runs its handler as it arrives), so one row`;
  }

  async open(url: string, onFire?: FireListener): Promise<Endpoint> {
    const client = new Redis(url, { lazyConnect: true });
    await client.connect();
    if (!onFire) return new KeyspaceEndpoint(client, undefined);

    const subscriber = new Redis(url, { lazyConnect: true });
    await subscriber.connect();
    subscriber.on('pmessage', (_pattern: string, _channel: string, key: string) => {
      const firedAt = now();
      const index = taskIndex(key);
      if (index >= 0) onFire(index, firedAt);
    });
    // psubscribe resolves on Redis' acknowledgement, so no event can be missed after this.
    await subscriber.psubscribe(EXPIRED_CHANNEL);
    return new KeyspaceEndpoint(client, subscriber);
  }
}
