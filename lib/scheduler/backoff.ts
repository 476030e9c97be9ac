import { BackoffOption } from '../interfaces/backoff.interface';

/** Delay in ms before the attempt after `attempt` (1-based), never negative. */
export function backoffDelay(backoff: BackoffOption, attempt: number): number {
  const delay =
    typeof backoff === 'function'
      ? backoff(attempt)
      : backoff.type === 'fixed'
        ? backoff.delay
        : backoff.delay * 2 ** (attempt - 1);
  return Number.isFinite(delay) && delay > 0 ? Math.ceil(delay) : 0;
}
