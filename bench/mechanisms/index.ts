/** Builds a mechanism by id. Each is loaded on demand so one that fails to load cannot stop the others. */
import { Mechanism, MechanismId, MechanismSettings } from './mechanism';

export async function loadMechanism(
  id: MechanismId,
  settings: MechanismSettings,
): Promise<Mechanism> {
  switch (id) {
    case 'delay-task': {
      // NOTE: lazy because it compiles the library from ../lib, which may be mid-change.
      const { DelayTaskMechanism } = await import('./delay-task');
      return new DelayTaskMechanism(settings.delayTaskConcurrency);
    }
    case 'keyspace': {
      const { KeyspaceMechanism } = await import('./keyspace');
      return new KeyspaceMechanism();
    }
    case 'bullmq': {
      const { BullmqMechanism } = await import('./bullmq');
      return new BullmqMechanism(settings.bullmqConcurrency);
    }
  }
}
