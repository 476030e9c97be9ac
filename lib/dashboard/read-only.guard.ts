import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Inject,
  Injectable,
} from '@nestjs/common';
import { DASHBOARD_OPTIONS } from './dashboard.constants';
import { ResolvedDashboardOptions } from './dashboard-options.interface';

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Refuses every change through the dashboard's API with 403 when it was
 * registered `readOnly`: any method but a read, whatever the page shows.
 */
@Injectable()
export class DashboardReadOnlyGuard implements CanActivate {
  constructor(@Inject(DASHBOARD_OPTIONS) private readonly options: ResolvedDashboardOptions) {}

  canActivate(context: ExecutionContext): boolean {
    if (!this.options.readOnly) return true;
    const { method } = context.switchToHttp().getRequest<{ method?: string }>();
    if (READS.has(String(method).toUpperCase())) return true;
    throw new ForbiddenException(
      'The delay-task dashboard is read-only (registered with readOnly: true): it changes no task.',
    );
  }
}
