// First: a missing optional peer is reported with what to install.
import './require-terminus';

export { DelayTaskHealthIndicator } from './delay-task.health-indicator';
export type { DelayTaskHealthOptions } from '../health/delay-task-health-options.interface';
export type { DelayTaskHealthDetails } from '../health/delay-task-health';
