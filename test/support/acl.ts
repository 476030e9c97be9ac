import type { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { RedisServer } from '../../lib/testing/redis-server';

/** A user made with `ACL SETUSER`, and the password it logs in with. */
export interface AclUser {
  username: string;
  password: string;
}

/** One `ACL LOG` entry: something the server refused a user. */
export interface AclDenial {
  /** What was refused: `'command'`, `'key'`, `'channel'` or `'auth'`. */
  reason: string;
  /** The command (`config|get`), key or channel refused. */
  object: string;
  username: string;
  /** Where: `'toplevel'`, `'lua'` (inside a script), `'multi'`. */
  context: string;
}

/**
 * Creates a user with a fresh name and password and the given ACL rules
 * (space-separated, as after `ACL SETUSER <name>`), on the server of every
 * `admins` connection: each node of a cluster keeps its own users.
 */
export async function createAclUser(admins: Redis[], rules: string): Promise<AclUser> {
  const user = {
    username: `app-${randomBytes(3).toString('hex')}`,
    password: randomBytes(12).toString('hex'),
  };
  const args = ['SETUSER', user.username, 'reset', 'on', `>${user.password}`, ...rules.split(' ')];
  await Promise.all(admins.map((admin) => admin.call('ACL', ...args)));
  return user;
}

/** `redis://user:password@host:port` of `server`: what an app logging in as `user` connects to. */
export const urlAs = (server: RedisServer, user: AclUser): string =>
  `redis://${user.username}:${user.password}@${server.host}:${server.port}`;

/** The server's `ACL LOG` (most recent first, as Redis lists it), reduced to what tests assert on. */
export async function aclDenials(admin: Redis): Promise<AclDenial[]> {
  const entries = (await admin.call('ACL', 'LOG')) as unknown[][];
  return entries.map((entry) => {
    const fields = new Map<string, unknown>();
    for (let i = 0; i + 1 < entry.length; i += 2) fields.set(String(entry[i]), entry[i + 1]);
    return {
      reason: String(fields.get('reason')),
      object: String(fields.get('object')),
      username: String(fields.get('username')),
      context: String(fields.get('context')),
    };
  });
}
