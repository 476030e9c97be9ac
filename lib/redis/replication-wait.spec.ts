import { ReplicationTimeoutError } from '../errors/replication-timeout.error';
import { ReplicationWait } from './replication-wait';

describe('ReplicationWait.check', () => {
  const wait = new ReplicationWait({ replicas: 2, timeoutMs: 50 });

  it('passes when every master written to had enough replicas acknowledge', () => {
    expect(() => wait.check([2, 3], 10)).not.toThrow();
    expect(() => wait.check([], 0)).not.toThrow();
  });

  it('names the fewest acknowledgements and says the write happened', () => {
    let error: unknown;
    try {
      wait.check([3, 1, 2], 7);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ReplicationTimeoutError);
    expect(error).toMatchObject({ acknowledged: 1, required: 2, name: 'ReplicationTimeoutError' });
    expect((error as Error).message).toMatch(
      /^7 task\(s\) were written to the master, but only 1 of the 2/,
    );
    expect((error as Error).message).toMatch(/within 50 ms/);
  });
});
