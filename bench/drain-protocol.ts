/**
 * Messages between the bench and a consumer process (drain-worker.ts). A
 * process hosts one mechanism endpoint at a time and answers every request
 * with exactly one reply: 'start' → 'ready' | 'failed', 'stop' → 'stopped'.
 */
import type { ConsumerTuning, MechanismId, MechanismSettings } from './mechanisms/mechanism';

export type ToWorker =
  | {
      type: 'start';
      mechanism: MechanismId;
      settings: MechanismSettings;
      url: string;
      tuning?: ConsumerTuning;
    }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  /** Sent after the last 'fired' batch of the endpoint it closed. */
  | { type: 'stopped' }
  /** Handler runs since the last batch: task indices and their fire times on the worker's clock. */
  | { type: 'fired'; indices: number[]; firedAt: number[] };
