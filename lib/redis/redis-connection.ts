import { Logger } from '@nestjs/common';
import IORedis, { Cluster, ClusterNode, Redis, RedisOptions } from 'ioredis';
import { redisUnreachable } from '../delay-task.messages';
import { RedisConnectionError } from '../errors/redis-connection.error';
import {
  ClusterConnection,
  DelayTaskConnection,
} from '../interfaces/delay-task-module-options.interface';
import { ClusterPubSub } from './cluster-pubsub';
import { nodeAddress } from './cluster-topology';
import { PubSub } from './pubsub';
import { Subscriptions } from './subscriptions.interface';

/** Connection attempts before the first successful connection, when the user set no retry strategy. */
const STARTUP_RETRIES = 3;
/** Longest pause between reconnection attempts once connected. */
const MAX_RECONNECT_DELAY_MS = 2_000;

/**
 * Gives up quickly while the app starts (so a wrong address fails the start
 * instead of hanging it) and never gives up once the connection has worked
 * (so a Redis restart is ridden out). Applied only where the user chose no
 * retry strategy of their own.
 */
function limitStartupRetries(client: Redis): void {
  let connectedOnce = false;
  client.once('ready', () => (connectedOnce = true));
  client.options.retryStrategy = (times) =>
    !connectedOnce && times > STARTUP_RETRIES
      ? null
      : Math.min(times * 200, MAX_RECONNECT_DELAY_MS);
}

function isClusterConnection(connection: DelayTaskConnection): connection is ClusterConnection {
  return (
    typeof connection === 'object' &&
    connection !== null &&
    Array.isArray(Reflect.get(connection, 'cluster'))
  );
}

function isClient(connection: DelayTaskConnection): connection is Redis | Cluster {
  return connection instanceof IORedis || connection instanceof Cluster;
}

/** `host:port`, the sentinel group, or the URL without credentials: how errors name a Redis. */
function describeOptions(options: RedisOptions): string {
  if (options.sentinels?.length) {
    return `sentinel group "${options.name ?? 'mymaster'}" (${options.sentinels.map((s) => `${s.host ?? 'localhost'}:${s.port ?? 26379}`).join(', ')})`;
  }
  if (options.path) return options.path;
  return `${options.host ?? 'localhost'}:${options.port ?? 6379}`;
}

function describeNode(node: ClusterNode): string {
  return typeof node === 'object'
    ? `${node.host ?? 'localhost'}:${node.port ?? 6379}`
    : String(node);
}

function describeUrl(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.password = '';
    parsed.username = '';
    return parsed.toString();
  } catch {
    return url;
  }
}

/** A connection to one Redis server that can run commands, and how messages name the server. */
export interface RedisServerRef {
  client: Redis;
  address: string;
}

/**
 * The module's Redis clients: the command client (the user's or its own) and
 * the subscriber connections it creates. It closes exactly what it created.
 */
export class RedisConnection {
  private readonly logger = new Logger('DelayTaskModule');
  private readonly owned: Array<Redis | Cluster> = [];
  private readonly ownedSubscriptions: Subscriptions[] = [];
  readonly client: Redis | Cluster;
  readonly address: string;
  readonly db: number;

  constructor(connection: DelayTaskConnection) {
    if (isClient(connection)) {
      this.client = connection;
      this.address =
        connection instanceof Cluster
          ? 'the Redis Cluster passed in'
          : describeOptions(connection.options);
    } else if (isClusterConnection(connection)) {
      this.client = this.own(
        new Cluster(connection.cluster, { ...connection.options, lazyConnect: true }),
      );
      this.address = `Redis Cluster ${connection.cluster.map(describeNode).join(', ')}`;
    } else if (typeof connection === 'string') {
      const redis = new IORedis(connection, { lazyConnect: true });
      limitStartupRetries(redis);
      this.client = this.own(redis);
      this.address = describeUrl(connection);
    } else {
      // NOTE: through Sentinel, a primary demoted while alive keeps its connections open; the
      // failover detector makes ioredis move them to the new primary (the subscriber too).
      const sentinelDefaults = connection.sentinels?.length ? { failoverDetector: true } : {};
      const redis = new IORedis({ ...sentinelDefaults, ...connection, lazyConnect: true });
      if (connection.retryStrategy === undefined) limitStartupRetries(redis);
      this.client = this.own(redis);
      this.address = describeOptions(connection);
    }
    this.db = this.client instanceof Cluster ? 0 : (this.client.options.db ?? 0);
  }

  private own<T extends Redis | Cluster>(client: T): T {
    this.owned.push(client);
    // An owned client must have an error listener, or ioredis reports every failed reconnect as unhandled.
    client.on('error', (error: Error) =>
      this.logger.debug(`Redis ${this.address}: ${error.message}`),
    );
    return client;
  }

  get isCluster(): boolean {
    return this.client instanceof Cluster;
  }

  /**
   * The servers the command client writes to, once it is ready: the masters
   * of a Cluster (the pool's own connections), or the one Redis.
   */
  servers(): RedisServerRef[] {
    if (this.client instanceof Cluster) {
      return this.client
        .nodes('master')
        .map((node) => ({ client: node, address: nodeAddress(node) }));
    }
    return [{ client: this.client, address: this.address }];
  }

  /**
   * The module's Pub/Sub, owned by the module and closed with it: a new
   * subscriber connection (a subscribed connection cannot run other
   * commands), or on a Cluster one per master. Resolves once connected.
   */
  async createSubscriptions(): Promise<Subscriptions> {
    if (this.client instanceof Cluster) {
      const subscriptions = new ClusterPubSub(this.client);
      this.ownedSubscriptions.push(subscriptions);
      await subscriptions.start();
      return subscriptions;
    }
    // NOTE: the duplicate shares the command client's retry strategy; it is created once that client
    // is ready, so it keeps reconnecting for as long as the command client would.
    const subscriber = this.own(this.client.duplicate({ lazyConnect: true }));
    // Created before connecting, so that it sees the first 'ready' and tells reconnects from it.
    const pubsub = new PubSub(subscriber, this.client, this.address);
    await this.ready(subscriber);
    return pubsub;
  }

  /** Connects `client` (if it is not already) and resolves once it is ready; fails with the address once retries run out. */
  async ready(client: Redis | Cluster = this.client): Promise<void> {
    if (client.status === 'ready') return;
    if (client.status === 'end' || client.status === 'close') {
      if (!this.owned.includes(client)) {
        throw new RedisConnectionError(
          redisUnreachable(this.address, 'the client passed in is closed'),
        );
      }
    }
    await new Promise<void>((resolve, reject) => {
      let lastError: Error | undefined;
      const onError = (error: Error) => (lastError = error);
      const onReady = () => {
        cleanup();
        resolve();
      };
      const onEnd = () => {
        cleanup();
        reject(
          new RedisConnectionError(
            redisUnreachable(this.address, lastError?.message ?? 'connection closed'),
          ),
        );
      };
      // A client passed in keeps its owner's retry strategy (ioredis' default never gives up):
      // the start gives up after as many attempts as an owned client gets, leaving the client as it is.
      let reconnects = 0;
      const onReconnecting = () => {
        if (!this.owned.includes(client) && ++reconnects > STARTUP_RETRIES) onEnd();
      };
      const cleanup = () => {
        client.off('error', onError);
        client.off('ready', onReady);
        client.off('end', onEnd);
        client.off('reconnecting', onReconnecting);
      };
      client.on('error', onError);
      client.once('ready', onReady);
      client.once('end', onEnd);
      client.on('reconnecting', onReconnecting);
      if (client.status === 'wait' || client.status === 'end') {
        client.connect().catch((error: Error) => (lastError = error));
      }
    });
  }

  /** Closes every connection the module created; never the user's. */
  async close(): Promise<void> {
    await Promise.all(this.ownedSubscriptions.map((subscriptions) => subscriptions.close()));
    await Promise.all(
      this.owned.map(async (client) => {
        // A client that gave up connecting (a failed start) has no socket left; disconnect() would
        // arm a 2 s timer to destroy the one already gone, holding the process meanwhile. Only a
        // Sentinel client may still have a failover detector (set up once TCP connected) to close.
        const sentinel = client instanceof IORedis && Boolean(client.options.sentinels?.length);
        if (client.status === 'end' && !sentinel) return;
        // A client never connected gets no QUIT: it would connect to send it.
        if (client.status !== 'end' && client.status !== 'wait') {
          await client.quit().catch(() => undefined);
        }
        // NOTE: quit() leaves the Sentinel failover detector's connections open; disconnect() closes them.
        client.disconnect();
      }),
    );
  }
}
