import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { MessageHandler, ServerTask, Subscriptions } from './subscriptions.interface';

/**
 * One subscribed connection shared by everything that listens: keyspace
 * events and the scheduler's wake-up channel. For a single Redis, or a
 * primary found through Sentinel (ioredis follows a failover by itself).
 *
 * NOTE: ioredis re-subscribes by itself after a reconnect; `onReconnect`
 * tells listeners so they can catch up on what Pub/Sub dropped meanwhile.
 */
export class PubSub implements Subscriptions {
  private readonly logger = new Logger('DelayTaskModule');
  private readonly patternHandlers = new Map<string, MessageHandler>();
  private readonly channelHandlers = new Map<string, MessageHandler>();
  private readonly reconnectListeners: Array<() => void> = [];
  private readonly serverTasks: ServerTask[] = [];
  private connectedOnce = false;

  /**
   * @param subscriber the connection to subscribe on (owned and closed by `RedisConnection`)
   * @param commands a connection to the same server that can run commands
   * @param address how messages name the server
   */
  constructor(
    readonly subscriber: Redis,
    private readonly commands: Redis,
    private readonly address: string,
  ) {
    subscriber.on('pmessageBuffer', (pattern: Buffer, channel: Buffer, message: Buffer) =>
      this.patternHandlers.get(pattern.toString())?.(channel, message),
    );
    subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) =>
      this.channelHandlers.get(channel.toString())?.(channel, message),
    );
    subscriber.on('ready', () => {
      if (this.connectedOnce) {
        this.logger.log('Subscriber reconnected; catching up on anything missed.');
        // A reconnect may be to a restarted server or, through Sentinel, a new primary.
        for (const task of this.serverTasks) void task(this.commands, this.address);
        for (const listener of this.reconnectListeners) listener();
      }
      this.connectedOnce = true;
    });
  }

  async psubscribe(pattern: string, handler: MessageHandler): Promise<void> {
    this.patternHandlers.set(pattern, handler);
    await this.subscriber.psubscribe(pattern).catch((error: unknown) => {
      this.patternHandlers.delete(pattern);
      throw error;
    });
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<void> {
    this.channelHandlers.set(channel, handler);
    await this.subscriber.subscribe(channel).catch((error: unknown) => {
      this.channelHandlers.delete(channel);
      throw error;
    });
  }

  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
  }

  async forEachServer(task: ServerTask): Promise<void> {
    this.serverTasks.push(task);
    await task(this.commands, this.address);
  }

  get connected(): boolean {
    return this.subscriber.status === 'ready';
  }

  async close(): Promise<void> {
    // The subscriber connection is closed by RedisConnection, which created it.
  }
}
