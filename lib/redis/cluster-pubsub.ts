import { Logger } from '@nestjs/common';
import type { Cluster, Redis } from 'ioredis';
import { ClusterTopology, nodeAddress } from './cluster-topology';
import { MessageHandler, ServerTask, Subscriptions } from './subscriptions.interface';

/** Longest pause between reconnection attempts of a master's subscriber. */
const MAX_RECONNECT_DELAY_MS = 2_000;
/** Longest a topology change waits for one master's subscription before applying the rest. */
const LINK_TIMEOUT_MS = 5_000;

/** The subscriber connection of one master. */
interface MasterLink {
  address: string;
  subscriber: Redis;
  connectedOnce: boolean;
}

/**
 * Pub/Sub on a Redis Cluster: one subscriber connection per master, following
 * the topology (`ClusterTopology`). A master that appears — a promoted replica,
 * a node added — gets every subscription and every server task; one that is no
 * longer a master has its connection closed. Links are keyed by address, so a
 * node is never subscribed to twice.
 *
 * NOTE: keyspace notifications are published only on the node that owns the
 * key, which is why every master is subscribed to. A classic PUBLISH (the
 * wake-up channel) is broadcast to every node, so a channel message arrives
 * once per master; the channel listeners here are idempotent (a wake-up only
 * re-arms a timer), and receiving it from every master means one dead master
 * does not silence it.
 */
export class ClusterPubSub implements Subscriptions {
  private readonly logger = new Logger('DelayTaskModule');
  private readonly links = new Map<string, MasterLink>();
  private readonly patternHandlers = new Map<string, MessageHandler>();
  private readonly channelHandlers = new Map<string, MessageHandler>();
  private readonly reconnectListeners: Array<() => void> = [];
  private readonly serverTasks: ServerTask[] = [];
  private readonly topology: ClusterTopology;
  /** Topology changes are applied one at a time, in order. */
  private applying: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(cluster: Cluster) {
    this.topology = new ClusterTopology(
      cluster,
      (masters) => void this.apply(masters),
      () => [...this.links.values()].some((link) => link.subscriber.status !== 'ready'),
    );
  }

  /** Connects a subscriber to every current master; resolves once each is connected. */
  async start(): Promise<void> {
    await this.apply(this.topology.masters());
    this.topology.start();
  }

  async psubscribe(pattern: string, handler: MessageHandler): Promise<void> {
    this.patternHandlers.set(pattern, handler);
    await Promise.all(
      [...this.links.values()].map((link) => link.subscriber.psubscribe(pattern)),
    ).catch((error: unknown) => {
      // Forgotten, so a master that appears later is not asked for it again.
      this.patternHandlers.delete(pattern);
      throw error;
    });
  }

  async subscribe(channel: string, handler: MessageHandler): Promise<void> {
    this.channelHandlers.set(channel, handler);
    await Promise.all(
      [...this.links.values()].map((link) => link.subscriber.subscribe(channel)),
    ).catch((error: unknown) => {
      this.channelHandlers.delete(channel);
      throw error;
    });
  }

  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
  }

  async forEachServer(task: ServerTask): Promise<void> {
    this.serverTasks.push(task);
    await Promise.all([...this.links.values()].map((link) => this.runTask(link, task)));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.topology.stop();
    await this.applying;
    await Promise.all([...this.links.values()].map((link) => this.unlink(link)));
  }

  get connected(): boolean {
    const links = [...this.links.values()];
    return links.length > 0 && links.every((link) => link.subscriber.status === 'ready');
  }

  /** Masters currently subscribed to, by address. */
  get addresses(): string[] {
    return [...this.links.keys()];
  }

  private apply(masters: Map<string, Redis>): Promise<void> {
    this.applying = this.applying.then(() => this.reconcile(masters));
    return this.applying;
  }

  private async reconcile(masters: Map<string, Redis>): Promise<void> {
    if (this.closed) return;
    const gone = [...this.links.values()].filter((link) => !masters.has(link.address));
    await Promise.all(gone.map((link) => this.unlink(link)));
    const added = [...masters].filter(([address]) => !this.links.has(address));
    await Promise.all(added.map(([address, node]) => this.link(address, node)));
    if (gone.length > 0 || (added.length > 0 && this.links.size > added.length)) {
      this.logger.log(`Cluster masters changed; subscribed on ${this.addresses.join(', ')}.`);
      // Messages published on a new master before its subscription are lost: look for anything due.
      if (added.length > 0) for (const listener of this.reconnectListeners) listener();
    }
  }

  private async link(address: string, node: Redis): Promise<void> {
    // NOTE: a duplicate of the pool's connection carries its options (password, TLS, NAT-mapped
    // address); unlike the pool's it reconnects by itself, so a master that restarts is followed.
    const subscriber = node.duplicate({
      lazyConnect: true,
      readOnly: false,
      enableOfflineQueue: true,
      retryStrategy: (times: number) => Math.min(times * 200, MAX_RECONNECT_DELAY_MS),
    });
    const link: MasterLink = { address, subscriber, connectedOnce: false };
    this.links.set(address, link);
    subscriber.on('error', (error: Error) =>
      this.logger.debug(`Cluster subscriber ${address}: ${error.message}`),
    );
    subscriber.on('close', () => this.topology.refresh());
    subscriber.on('pmessageBuffer', (pattern: Buffer, channel: Buffer, message: Buffer) =>
      this.patternHandlers.get(pattern.toString())?.(channel, message),
    );
    subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) =>
      this.channelHandlers.get(channel.toString())?.(channel, message),
    );
    const firstReady = new Promise<void>((resolve) => subscriber.once('ready', () => resolve()));
    subscriber.on('ready', () => {
      if (!link.connectedOnce) {
        link.connectedOnce = true;
        return;
      }
      // The same master restarted (CONFIG SET lost) or the network came back: redo and catch up.
      for (const task of this.serverTasks) void this.runTask(link, task);
      for (const listener of this.reconnectListeners) listener();
    });
    subscriber.connect().catch(() => undefined);
    // Queued until the connection is ready; ioredis re-subscribes them after any later reconnect.
    const patterns = [...this.patternHandlers.keys()];
    const channels = [...this.channelHandlers.keys()];
    const linked = Promise.all([
      firstReady.then(() => Promise.all(this.serverTasks.map((task) => this.runTask(link, task)))),
      patterns.length > 0 ? subscriber.psubscribe(...patterns) : undefined,
      channels.length > 0 ? subscriber.subscribe(...channels) : undefined,
    ]);
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), LINK_TIMEOUT_MS);
    });
    try {
      // A master listed but unreachable (dead, not yet replaced) must not hold up other changes.
      if (await Promise.race([linked.then(() => false), timedOut])) {
        this.logger.warn(
          `Cluster master ${address} is not reachable yet; it will be subscribed when it is.`,
        );
      }
    } catch (error) {
      this.logger.warn(`Cannot subscribe on cluster master ${address} yet: ${String(error)}`);
    } finally {
      clearTimeout(timer);
    }
  }

  private async unlink(link: MasterLink): Promise<void> {
    this.links.delete(link.address);
    link.subscriber.disconnect();
  }

  /** Runs a task through a short-lived command connection (a subscribed one cannot run commands). */
  private async runTask(link: MasterLink, task: ServerTask): Promise<void> {
    const client = link.subscriber.duplicate({
      lazyConnect: true,
      enableOfflineQueue: true,
      retryStrategy: null,
    });
    client.on('error', () => undefined);
    try {
      await task(client, nodeAddress(link.subscriber));
    } catch (error) {
      this.logger.warn(`Cluster master ${link.address}: ${String(error)}`);
    } finally {
      client.disconnect();
    }
  }
}
