/**
 * Starts and stops a throwaway Redis Cluster: `redis-server` processes on free
 * loopback ports (see `redis-server.ts`), given slots (CLUSTER ADDSLOTSRANGE)
 * and joined (CLUSTER MEET, CLUSTER REPLICATE).
 *
 * Development tooling only (tests and the benchmark use it). Nodes are stopped
 * by pid, like single servers, so nothing here can touch a Redis it did not start.
 */
import { Socket } from 'node:net';
import { RedisConfig, RedisServer } from '../lib/testing/redis-server';

const HOST = '127.0.0.1';
const SLOTS = 16_384;

export interface RedisClusterOptions {
  /** @default 3 */
  masters?: number;
  /** Replicas per master. @default 0 */
  replicasPerMaster?: number;
  /**
   * How long a node may be unreachable before the others call it failed; a
   * replica of a failed master promotes itself about this long after the kill.
   * @default 2000
   */
  nodeTimeoutMs?: number;
  /** Extra configuration of every node. */
  config?: RedisConfig;
}

/** One line of `CLUSTER NODES`, reduced to what the tools need. */
export interface ClusterNodeInfo {
  id: string;
  port: number;
  role: 'master' | 'replica';
  /** The master's id, for a replica. */
  masterId: string | null;
  failed: boolean;
}

/** Sends one inline command over a raw socket and resolves with the raw reply. */
async function rawCommand(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = new Socket();
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no reply to ${command} from port ${port}`));
    }, 2_000);
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    socket.on('data', (data) => {
      reply += data.toString();
      // A bulk string reply: "$<len>\r\n<body>\r\n"; simple replies end at their first CRLF.
      const bulk = /^\$(\d+)\r\n/.exec(reply);
      const complete = bulk
        ? Buffer.byteLength(reply) >= bulk[0].length + Number(bulk[1]) + 2
        : reply.includes('\r\n');
      if (!complete) return;
      clearTimeout(timer);
      socket.destroy();
      resolve(bulk ? reply.slice(bulk[0].length, bulk[0].length + Number(bulk[1])) : reply.trim());
    });
    socket.connect(port, HOST, () => socket.write(`${command}\r\n`));
  });
}

function parseNodes(text: string): ClusterNodeInfo[] {
  return text
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line) => {
      const [id, address, flags, masterId] = line.split(' ');
      const port = Number(/:(\d+)@/.exec(address)?.[1] ?? 0);
      const flagList = flags.split(',');
      return {
        id,
        port,
        role: flagList.includes('master') ? 'master' : 'replica',
        masterId: masterId === '-' ? null : masterId,
        failed: flagList.includes('fail') || flagList.includes('fail?'),
      };
    });
}

/** Sends a command that must answer +OK. */
async function expectOk(port: number, command: string): Promise<void> {
  const reply = await rawCommand(port, command);
  if (reply !== '+OK') throw new Error(`${command} on port ${port}: ${reply}`);
}

export class RedisCluster {
  /** The masters as the cluster was created (a failover does not change this list). */
  masters: RedisServer[] = [];

  private constructor(
    /** Every node: the masters first, then the replicas. */
    readonly nodes: RedisServer[],
  ) {}

  /** Starts the nodes, creates the cluster and resolves once every node reports `cluster_state:ok`. */
  static async start(options: RedisClusterOptions = {}): Promise<RedisCluster> {
    const masterCount = options.masters ?? 3;
    const replicas = options.replicasPerMaster ?? 0;
    const config: RedisConfig = {
      'cluster-enabled': 'yes',
      // A node learns its own address from a peer's MEET; a lone master never would.
      'cluster-announce-ip': HOST,
      'cluster-node-timeout': options.nodeTimeoutMs ?? 2_000,
      ...options.config,
    };
    const settled = await Promise.allSettled(
      Array.from({ length: masterCount * (1 + replicas) }, () => RedisServer.start({ config })),
    );
    const nodes = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
    const cluster = new RedisCluster(nodes);
    try {
      const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
      if (failed) throw failed.reason;
      await cluster.create(masterCount);
      await cluster.waitUntilOk();
      await cluster.waitForLayout(masterCount);
      cluster.masters = nodes.slice(0, masterCount);
      if (replicas > 0) await cluster.waitForReplicas();
      return cluster;
    } catch (error) {
      await cluster.stop();
      throw error;
    }
  }

  /**
   * Joins the nodes by hand, as `redis-cli --cluster create` would (which refuses fewer than
   * three masters): distinct config epochs, an even split of the slots over the first
   * `masters` nodes, MEET, then each remaining node replicates a master in turn.
   */
  private async create(masters: number): Promise<void> {
    const ids = await Promise.all(this.nodes.map((node) => rawCommand(node.port, 'CLUSTER MYID')));
    for (let i = 0; i < masters; i++) {
      const from = Math.floor((i * SLOTS) / masters);
      const to = Math.floor(((i + 1) * SLOTS) / masters) - 1;
      await expectOk(this.nodes[i].port, `CLUSTER SET-CONFIG-EPOCH ${i + 1}`);
      await expectOk(this.nodes[i].port, `CLUSTER ADDSLOTSRANGE ${from} ${to}`);
    }
    for (const node of this.nodes.slice(1)) {
      await expectOk(node.port, `CLUSTER MEET ${HOST} ${this.nodes[0].port}`);
    }
    await this.poll(
      async () => {
        const views = await Promise.all(this.nodes.map((node) => this.describe(node)));
        return views.every((view) => view.length === this.nodes.length);
      },
      20_000,
      'every node knowing every other',
    );
    for (let j = masters; j < this.nodes.length; j++) {
      await expectOk(this.nodes[j].port, `CLUSTER REPLICATE ${ids[(j - masters) % masters]}`);
    }
  }

  /** Addresses of the masters as created: startup nodes for `{ cluster: [...] }`. */
  get startupNodes(): Array<{ host: string; port: number }> {
    return this.masters.map((node) => ({ host: HOST, port: node.port }));
  }

  /** The cluster as one node sees it now. */
  async describe(from: RedisServer = this.anyRunning()): Promise<ClusterNodeInfo[]> {
    return parseNodes(await rawCommand(from.port, 'CLUSTER NODES'));
  }

  /** The running nodes that are masters now (after a failover, a promoted replica is one). */
  async currentMasters(): Promise<RedisServer[]> {
    const info = await this.describe();
    return this.nodes.filter(
      (node) =>
        node.running &&
        info.some((entry) => entry.port === node.port && entry.role === 'master' && !entry.failed),
    );
  }

  /** The replicas of a node, as the cluster pairs them now. */
  async replicasOf(master: RedisServer): Promise<RedisServer[]> {
    const info = await this.describe();
    const masterId = info.find((entry) => entry.port === master.port)?.id;
    const ports = info.filter((e) => e.masterId === masterId).map((e) => e.port);
    return this.nodes.filter((node) => ports.includes(node.port));
  }

  /** Kills the i-th master as created (SIGKILL by pid): a crash, no goodbye to the cluster. */
  async killMaster(index: number): Promise<RedisServer> {
    const master = this.masters[index];
    await master.kill();
    return master;
  }

  /**
   * Makes a replica take over its master's slots at once (`CLUSTER FAILOVER TAKEOVER`),
   * without waiting for the cluster to agree that the master failed.
   */
  async promote(replica: RedisServer): Promise<void> {
    const reply = await rawCommand(replica.port, 'CLUSTER FAILOVER TAKEOVER');
    if (reply !== '+OK') throw new Error(`CLUSTER FAILOVER TAKEOVER on ${replica.port}: ${reply}`);
  }

  /** Resolves once every running node reports `cluster_state:ok`. */
  async waitUntilOk(timeoutMs = 20_000): Promise<void> {
    await this.poll(
      async () => {
        const running = this.nodes.filter((node) => node.running);
        const states = await Promise.all(
          running.map((node) => rawCommand(node.port, 'CLUSTER INFO').catch(() => '')),
        );
        return states.every((state) => state.includes('cluster_state:ok'));
      },
      timeoutMs,
      'cluster_state:ok on every node',
    );
  }

  /** Resolves once every node sees `masters` masters and every other node as a replica. */
  private async waitForLayout(masters: number, timeoutMs = 20_000): Promise<void> {
    await this.poll(
      async () => {
        const views = await Promise.all(
          this.nodes.map((node) => this.describe(node).catch(() => [])),
        );
        return views.every(
          (view) =>
            view.length === this.nodes.length &&
            view.filter((entry) => entry.role === 'master').length === masters,
        );
      },
      timeoutMs,
      `${masters} masters in every node's view`,
    );
  }

  /** Resolves once `master_link_status:up` on every running replica. */
  private async waitForReplicas(timeoutMs = 20_000): Promise<void> {
    await this.poll(
      async () => {
        const replicas = this.nodes.filter((node) => node.running && !this.masters.includes(node));
        const infos = await Promise.all(
          replicas.map((node) => rawCommand(node.port, 'INFO replication').catch(() => '')),
        );
        return infos.every((info) => info.includes('master_link_status:up'));
      },
      timeoutMs,
      'every replica linked to its master',
    );
  }

  /** Stops every node by pid (SIGTERM) and removes their directories. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((node) => node.stop()));
  }

  private anyRunning(): RedisServer {
    const node = this.nodes.find((candidate) => candidate.running);
    if (!node) throw new Error('no cluster node is running');
    return node;
  }

  private async poll(check: () => Promise<boolean>, timeoutMs: number, what: string) {
    const deadline = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
