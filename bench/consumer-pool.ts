/**
 * The consumer processes of the multi-instance cases. They are forked on first
 * use and reused by every later case (a warm process, like a long-running app
 * instance); one that died or hung is replaced by a fresh one.
 */
import { ConsumerProcess } from './consumer-process';

export class ConsumerPool {
  private readonly processes: ConsumerProcess[] = [];

  /** `count` live consumer processes, forking any that are missing. */
  acquire(count: number): ConsumerProcess[] {
    for (let i = 0; i < count; i += 1) {
      if (!this.processes[i]?.alive) this.processes[i] = new ConsumerProcess();
    }
    return this.processes.slice(0, count);
  }

  /** Ends every process. */
  async close(): Promise<void> {
    await Promise.all(this.processes.map((consumer) => consumer.exit()));
  }
}
