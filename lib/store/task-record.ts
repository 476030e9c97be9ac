import { BackoffPolicy } from '../interfaces/backoff.interface';
import { RecordExtensions, splitExtensions } from './record-extensions';

/**
 * The string forms the Lua scripts store (see `scripts/includes/record.lua`):
 * a record `"<maxAttempts>|<backoff>|<dueAt>|<extensions><payload JSON>"`
 * (extensions are optional: `record-extensions.ts`), a state
 * `"<attempt>|<token>|<flags>|<done JSON>"` and a dead letter
 * `"<failedAt>|<attempt>|<error JSON>\n<record>"`.
 *
 * NOTE: the payload is kept as the exact JSON text the caller's value
 * serialised to; Lua never decodes it (cjson would round big numbers).
 */

/** A task's stored record, decoded. */
export interface TaskRecord {
  maxAttempts?: number;
  backoff?: BackoffPolicy;
  dueAt: number;
  /** Payload JSON; empty when the task has none. */
  payloadJson: string;
  /** Optional fields beside the payload (trace context, series rule). */
  extensions: RecordExtensions;
}

/** A dead letter, decoded. */
export interface DeadLetterRecord {
  failedAt: number;
  attempt: number;
  error: string;
  record: TaskRecord;
}

/**
 * A task's delivery state (`"<attempt>|<token>|<flags>|<done JSON>"`), decoded;
 * absent until the task has a history (a failed attempt, a takeover). The token
 * is empty: scripts version 3 and earlier wrote their claim there.
 */
export interface TaskState {
  attempt: number;
  token: string;
  /** `r` when the next delivery is a recovery. */
  flags: string;
  /** JSON array of handlers that already succeeded, or ''. */
  done: string;
}

const NEVER_CLAIMED: TaskState = { attempt: 0, token: '', flags: '', done: '' };

/** The attempt a task in flight is on: its state's, or 1 (a first attempt writes no state). */
export function attemptInFlight(state: string | null): number {
  return state === null ? 1 : parseState(state).attempt;
}

export function parseState(state: string | null): TaskState {
  if (state === null) return NEVER_CLAIMED;
  const first = state.indexOf('|');
  const second = state.indexOf('|', first + 1);
  const third = state.indexOf('|', second + 1);
  return {
    attempt: Number(state.slice(0, first)),
    token: state.slice(first + 1, second),
    flags: state.slice(second + 1, third),
    done: state.slice(third + 1),
  };
}

/** The part of a record written before its due time, which the schedule script fills in. */
export function recordHeader(
  maxAttempts: number | undefined,
  backoff: BackoffPolicy | undefined,
): string {
  const backoffField = backoff ? `${backoff.type === 'fixed' ? 'f' : 'e'}${backoff.delay}` : '';
  return `${maxAttempts ?? ''}|${backoffField}|`;
}

export function parseRecord(record: string): TaskRecord {
  const first = record.indexOf('|');
  const second = record.indexOf('|', first + 1);
  const third = record.indexOf('|', second + 1);
  const maxAttempts = record.slice(0, first);
  const backoff = record.slice(first + 1, second);
  return {
    maxAttempts: maxAttempts === '' ? undefined : Number(maxAttempts),
    backoff:
      backoff === ''
        ? undefined
        : { type: backoff[0] === 'f' ? 'fixed' : 'exponential', delay: Number(backoff.slice(1)) },
    dueAt: Number(record.slice(second + 1, third)),
    ...splitExtensions(record.slice(third + 1)),
  };
}

export function parseDeadLetter(letter: string): DeadLetterRecord {
  const newline = letter.indexOf('\n');
  const head = letter.slice(0, newline);
  const first = head.indexOf('|');
  const second = head.indexOf('|', first + 1);
  return {
    failedAt: Number(head.slice(0, first)),
    attempt: Number(head.slice(first + 1, second)),
    error: JSON.parse(head.slice(second + 1)) as string,
    record: parseRecord(letter.slice(newline + 1)),
  };
}

/** Decodes payload JSON; `undefined` for a task scheduled without a payload. */
export function decodePayload<T>(payloadJson: string): T | undefined {
  return payloadJson === '' ? undefined : (JSON.parse(payloadJson) as T);
}
