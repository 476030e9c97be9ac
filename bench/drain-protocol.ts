/**
 * Messages between the bench and a consumer process (drain-worker.ts). A
 * process hosts one mechanism endpoint at a time and answers every request
 * with exactly one reply: 'start' → 'ready' | 'failed', 'usage' → 'usage',
 * 'stop' → 'stopped'.
 */
import type { ConsumerUsage } from './consumer-usage';
import type { ConsumerTuning, MechanismRow } from './mechanisms/mechanism';

export type ToWorker =
  | {
      type: 'start';
      row: MechanismRow;
      url: string;
      tuning?: ConsumerTuning;
    }
  /** What the process has spent so far (CPU, claim calls). */
  | { type: 'usage' }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'ready' }
  | { type: 'failed'; message: string }
  | { type: 'usage'; usage: ConsumerUsage }
  /** Sent after the last 'fired' batch of the endpoint it closed. */
  | { type: 'stopped' }
  /** Handler runs since the last batch: task indices and their fire times on the worker's clock. */
  | { type: 'fired'; indices: number[]; firedAt: number[] };
