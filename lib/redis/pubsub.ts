import { Logger } from '@nestjs/common';
import type { Redis } from 'ioredis';

type MessageHandler = (channel: Buffer, message: Buffer) => void;

/**
 * One subscribed connection shared by everything that listens: keyspace
 * events and the scheduler's wake-up channel.
 *
 * NOTE: ioredis re-subscribes by itself after a reconnect; `onReconnect`
 * tells listeners so they can catch up on what Pub/Sub dropped meanwhile.
 */
export class PubSub {
  private readonly logger = new Logger('DelayTaskModule');
  private readonly patternHandlers = new Map<string, MessageHandler>();
  private readonly channelHandlers = new Map<string, MessageHandler>();
  private readonly reconnectListeners: Array<() => void> = [];
  private connectedOnce = false;

  constructor(readonly subscriber: Redis) {
    subscriber.on('pmessageBuffer', (pattern: Buffer, channel: Buffer, message: Buffer) =>
      this.patternHandlers.get(pattern.toString())?.(channel, message),
    );
    subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) =>
      this.channelHandlers.get(channel.toString())?.(channel, message),
    );
    subscriber.on('ready', () => {
      if (this.connectedOnce) {
        this.logger.log('Subscriber reconnected; catching up on anything missed.');
        for (const listener of this.reconnectListeners) listener();
      }
      this.connectedOnce = true;
    });
  }

  /** Subscribes to a channel pattern; resolves once Redis acknowledged it. */
  async psubscribe(pattern: string, handler: MessageHandler): Promise<void> {
    this.patternHandlers.set(pattern, handler);
    await this.subscriber.psubscribe(pattern);
  }

  /** Subscribes to a channel; resolves once Redis acknowledged it. */
  async subscribe(channel: string, handler: MessageHandler): Promise<void> {
    this.channelHandlers.set(channel, handler);
    await this.subscriber.subscribe(channel);
  }

  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
  }
}
