/** Raised by `withDeadline` when the work did not settle in time. */
class DeadlineExceeded extends Error {
  constructor(readonly timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

/**
 * Settles as `work` does, or rejects with `DeadlineExceeded` after `timeoutMs`.
 *
 * NOTE: ioredis queues commands while it reconnects instead of failing them,
 * so a caller that must answer now (a health check, a shutdown) bounds the wait.
 */
export async function withDeadline<T>(work: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new DeadlineExceeded(timeoutMs)), timeoutMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
