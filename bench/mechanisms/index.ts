/** Builds a mechanism row. Each is loaded on demand so one that fails to load cannot stop the others. */
import type { Mechanism, MechanismRow } from './mechanism';

/** The row's concurrency, which every mechanism that has the setting needs. */
function concurrencyOf(row: MechanismRow): number {
  if (row.concurrency === undefined) throw new Error(`${row.kind} needs a concurrency`);
  return row.concurrency;
}

export async function loadMechanism(row: MechanismRow): Promise<Mechanism> {
  switch (row.kind) {
    case 'floor': {
      const { FloorMechanism } = await import('./floor');
      return new FloorMechanism();
    }
    case 'delay-task': {
      // NOTE: lazy because it compiles the library from ../lib, which may be mid-change.
      const { DelayTaskMechanism } = await import('./delay-task');
      return new DelayTaskMechanism(concurrencyOf(row));
    }
    case 'keyspace': {
      const { KeyspaceMechanism } = await import('./keyspace');
      return new KeyspaceMechanism();
    }
    case 'bullmq': {
      const { BullmqMechanism } = await import('./bullmq');
      return new BullmqMechanism(concurrencyOf(row));
    }
  }
}
