/** Injection token of the dashboard's `ResolvedDashboardOptions`. */
export const DASHBOARD_OPTIONS = Symbol('DELAY_TASK_DASHBOARD_OPTIONS');

/**
 * The page's Content-Security-Policy: its own script, style and API only, no
 * inline code, no frames, no other origin (it works on a closed network).
 */
export const DASHBOARD_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "object-src 'none'",
].join('; ');

/** Windows of the due timeline, ms ahead: 5-minute steps over an hour, hours over a day, days over a week. */
export const TIMELINE_STEPS = {
  hour: { stepMs: 5 * 60_000, steps: 12 },
  day: { stepMs: 3_600_000, steps: 24 },
  week: { stepMs: 86_400_000, steps: 7 },
} as const;
