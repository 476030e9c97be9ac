export { DelayTaskDashboardModule } from './delay-task-dashboard.module';
export type { DelayTaskDashboardOptions } from './dashboard-options.interface';
export type { DashboardOverview, DueTimelineView } from './dashboard-overview';
export type { LatenessSummary } from './lateness-summary';
export type { DueWindowCount } from '../stats/due-timeline';
