import type { Redis } from 'ioredis';

/** Receives one Pub/Sub message: the channel it came on and its payload. */
export type MessageHandler = (channel: Buffer, message: Buffer) => void;

/** Work to run on one Redis server, through a connection that can run commands. */
export type ServerTask = (client: Redis, address: string) => Promise<void>;

/**
 * The module's Pub/Sub, whatever the deployment: one subscriber connection on
 * a single Redis (or a Sentinel-managed primary), one per master on a Cluster.
 */
export interface Subscriptions {
  /**
   * Subscribes to a channel pattern; resolves once every server acknowledged it.
   * Rejects as Redis did (e.g. NOPERM from an ACL), and then keeps nothing of it.
   */
  psubscribe(pattern: string, handler: MessageHandler): Promise<void>;
  /** Subscribes to a channel; resolves once every server acknowledged it. Rejects like `psubscribe`. */
  subscribe(channel: string, handler: MessageHandler): Promise<void>;
  /** Called after a subscriber connection came back: messages may have been dropped meanwhile. */
  onReconnect(listener: () => void): void;
  /**
   * Runs `task` on every server subscribed to now, and again on each one that
   * (re)connects or is discovered later (a restarted Redis, a promoted
   * replica). Resolves once it ran on the current ones.
   */
  forEachServer(task: ServerTask): Promise<void>;
  /** Whether every subscriber connection is up now (messages published while one is not are lost). */
  readonly connected: boolean;
  /** Closes the connections these subscriptions opened. */
  close(): Promise<void>;
}
