import { randomBytes } from 'node:crypto';

/**
 * Who this module instance is, one id for everything that names it: its
 * heartbeat (`instances()`), the claims it holds (`owner` in `list`), its
 * exclusive plain-key locks.
 *
 * NOTE: short and random rather than host and pid, which repeat across
 * containers (pid 1); it is written into every claim this instance makes.
 */
export class InstanceIdentity {
  readonly id = randomBytes(8).toString('hex');
}
