import { OptionalDependencyMissingError } from '../errors/optional-dependency-missing.error';

/**
 * Loads an optional peer dependency where an option asks for it, never at
 * import time, so the core costs nothing for integrations an app does not use.
 * Throws `OptionalDependencyMissingError` naming the package when it is not
 * installed; any other failure while loading it is rethrown as it is.
 */
export function requireOptionalPeer<T>(packageName: string, feature: string): T {
  if (!isInstalled(packageName)) throw new OptionalDependencyMissingError(packageName, feature);
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy by design (see above)
  return require(packageName) as T;
}

/** Loads an optional peer if it is installed, `undefined` otherwise (an integration on by default). */
export function loadIfInstalled<T>(packageName: string): T | undefined {
  if (!isInstalled(packageName)) return undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- lazy by design (see above)
  return require(packageName) as T;
}

function isInstalled(packageName: string): boolean {
  try {
    require.resolve(packageName);
    return true;
  } catch {
    return false;
  }
}
