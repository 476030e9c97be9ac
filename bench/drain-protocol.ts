/** Messages between the bench and a consumer it runs in a child process (drain-worker.ts). */
import type { MechanismId, MechanismSettings } from './mechanisms/mechanism';

export type ToWorker =
  | { type: 'start'; mechanism: MechanismId; settings: MechanismSettings; url: string }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'ready' }
  /** Handler runs since the last batch: task indices and their fire times on the worker's clock. */
  | { type: 'fired'; indices: number[]; firedAt: number[] }
  | { type: 'stopped' }
  | { type: 'failed'; message: string };
