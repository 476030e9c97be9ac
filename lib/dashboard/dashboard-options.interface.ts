import { CanActivate, Type } from '@nestjs/common';

/** Options of `DelayTaskDashboardModule.register`. */
export interface DelayTaskDashboardOptions {
  /**
   * Route of the page; its JSON API is under `<path>/api/`. The app's global
   * prefix applies in front of it.
   * @default 'delay-tasks'
   */
  path?: string;
  /**
   * Refuse every change (run now, reschedule, cancel, requeue, discard) with
   * 403, on the server; the page then shows no action buttons.
   * @default false
   */
  readOnly?: boolean;
  /**
   * Guards for the dashboard's routes, page and API alike, run after the
   * app's global guards: guard classes (resolved in the dashboard's module,
   * so their dependencies must come from global modules) or instances.
   * @default []
   */
  guards?: Array<CanActivate | Type<CanActivate>>;
  /**
   * Where a task's trace is shown, e.g. `'https://jaeger.internal/trace/{traceId}'`:
   * the page links a task's trace id there. Without it the id is shown as text.
   */
  traceUrl?: string;
}

/** The options with their defaults applied and checked. */
export interface ResolvedDashboardOptions {
  path: string;
  readOnly: boolean;
  guards: Array<CanActivate | Type<CanActivate>>;
  traceUrl?: string;
}
