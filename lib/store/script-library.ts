import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChainableCommander, Cluster, Redis } from 'ioredis';
import { SCRIPT_VERSION } from '../delay-task.constants';

/** The scripts in `./scripts`, each with how many of its arguments are keys. */
const SCRIPTS = {
  schedule: 9,
  claim: 8,
  ack: 6,
  renew: 1,
  fail: 8,
  recover: 9,
  cancel: 3,
  reschedule: 3,
  requeue: 5,
  list: 5,
  'cancel-matching': 3,
  advance: 2,
  'run-now': 2,
  'series-declare': 9,
  'series-advance': 7,
  'series-end': 4,
  abort: 6,
} as const;

export type ScriptName = keyof typeof SCRIPTS;
export type ScriptArg = string | number | Buffer;
type ScriptTarget = Redis | Cluster | ChainableCommander;
type ScriptCall = (...args: ScriptArg[]) => Promise<unknown> | ChainableCommander;

const SCRIPTS_DIR = join(__dirname, 'scripts');
const INCLUDE_LINE = /^-- @include (.+)$/m;

/** Reads a script and splices in the shared snippets its `-- @include a, b` line names. */
function readScript(name: string): string {
  const source = readFileSync(join(SCRIPTS_DIR, `${name}.lua`), 'utf8');
  return source.replace(INCLUDE_LINE, (_line, names: string) =>
    names
      .split(',')
      .map((include) =>
        readFileSync(join(SCRIPTS_DIR, 'includes', `${include.trim()}.lua`), 'utf8'),
      )
      .join('\n'),
  );
}

/** Name a script is registered under on a client: carries the data-layout version. */
function commandName(name: ScriptName): string {
  return `delayTaskV${SCRIPT_VERSION}_${name}`;
}

/**
 * Registers the Lua scripts on ioredis clients and runs them.
 *
 * NOTE: ioredis' `defineCommand` sends EVALSHA and falls back to EVAL on
 * NOSCRIPT (after a Redis restart or failover), also inside pipelines; the
 * versioned command name keeps two library versions sharing a client apart.
 */
export class ScriptLibrary {
  private readonly sources = new Map<ScriptName, string>();

  constructor() {
    for (const name of Object.keys(SCRIPTS) as ScriptName[]) {
      this.sources.set(name, readScript(name));
    }
  }

  /** Makes the scripts callable on `client` (idempotent). */
  install(client: Redis | Cluster): void {
    for (const [name, lua] of this.sources) {
      if (typeof Reflect.get(client, commandName(name)) === 'function') continue;
      client.defineCommand(commandName(name), { numberOfKeys: SCRIPTS[name], lua });
    }
  }

  /** Runs a script on a client and resolves with its reply. */
  run(
    client: Redis | Cluster,
    name: ScriptName,
    keys: string[],
    args: ScriptArg[],
  ): Promise<unknown> {
    return this.call(client, name, keys, args) as Promise<unknown>;
  }

  /** Queues a script on a pipeline. */
  queue(pipeline: ChainableCommander, name: ScriptName, keys: string[], args: ScriptArg[]): void {
    this.call(pipeline, name, keys, args);
  }

  private call(target: ScriptTarget, name: ScriptName, keys: string[], args: ScriptArg[]): unknown {
    if (keys.length !== SCRIPTS[name]) {
      throw new Error(`script ${name} takes ${SCRIPTS[name]} keys, got ${keys.length}`);
    }
    const command = Reflect.get(target, commandName(name)) as ScriptCall | undefined;
    if (typeof command !== 'function') {
      throw new Error(`script ${name} is not installed on this client`);
    }
    return command.apply(target, [...keys, ...args]);
  }
}
