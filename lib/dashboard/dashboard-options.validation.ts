import { InvalidOptionsError } from '../errors/invalid-options.error';
import { DelayTaskDashboardOptions, ResolvedDashboardOptions } from './dashboard-options.interface';

/**
 * Plain route segments: letters, digits and `._~-`, split by `/`. Nothing Nest
 * would read as a parameter or wildcard (`:id`, `*`), no query, no fragment.
 */
const PATH = /^[A-Za-z0-9._~/-]+$/;

/** Applies the dashboard's defaults and checks its options; throws `InvalidOptionsError`. */
export function resolveDashboardOptions(
  options: DelayTaskDashboardOptions = {},
): ResolvedDashboardOptions {
  if (options === null || typeof options !== 'object') {
    throw new InvalidOptionsError('DelayTaskDashboardModule.register takes an options object.');
  }
  const path = options.path ?? 'delay-tasks';
  if (typeof path !== 'string' || !PATH.test(path) || path.replace(/\//g, '') === '') {
    throw new InvalidOptionsError(
      `DelayTaskDashboardModule: "path" must be a plain route such as 'delay-tasks' or 'admin/tasks' (letters, digits, . _ ~ - and /), got ${JSON.stringify(path)}.`,
    );
  }
  const readOnly = options.readOnly ?? false;
  if (typeof readOnly !== 'boolean') {
    throw new InvalidOptionsError(
      `DelayTaskDashboardModule: "readOnly" must be true or false, got ${JSON.stringify(readOnly)}.`,
    );
  }
  const guards = options.guards ?? [];
  if (!Array.isArray(guards) || guards.some((guard) => !isGuard(guard))) {
    throw new InvalidOptionsError(
      'DelayTaskDashboardModule: "guards" must be an array of guard classes or instances (with canActivate).',
    );
  }
  const { traceUrl } = options;
  if (traceUrl !== undefined && (typeof traceUrl !== 'string' || !traceUrl.includes('{traceId}'))) {
    throw new InvalidOptionsError(
      `DelayTaskDashboardModule: "traceUrl" must be a URL holding "{traceId}", got ${JSON.stringify(traceUrl)}.`,
    );
  }
  return { path: path.replace(/^\/+|\/+$/g, ''), readOnly, guards, traceUrl };
}

function isGuard(guard: unknown): boolean {
  if (typeof guard === 'function') return true;
  return (
    guard !== null &&
    typeof guard === 'object' &&
    typeof (guard as { canActivate?: unknown }).canActivate === 'function'
  );
}
