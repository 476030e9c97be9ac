import { OptionalDependencyMissingError } from '../errors/optional-dependency-missing.error';
import { loadIfInstalled, requireOptionalPeer } from './optional-peer';

describe('optional peers', () => {
  const ABSENT = 'nestjs-delay-task-no-such-package';

  it('names the package to install and the option that asked for it', () => {
    const load = () => requireOptionalPeer(ABSENT, 'metrics.prometheus');
    expect(load).toThrow(OptionalDependencyMissingError);
    expect(load).toThrow(
      `metrics.prometheus needs the package "${ABSENT}" (an optional peer dependency of ` +
        `nestjs-delay-task): npm install ${ABSENT}`,
    );
  });

  it('loads an installed one, and leaves an absent one off when it is only on by default', () => {
    expect(requireOptionalPeer<{ Registry: unknown }>('prom-client', 'x').Registry).toBeDefined();
    expect(loadIfInstalled(ABSENT)).toBeUndefined();
  });
});
