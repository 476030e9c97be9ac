import { CanActivate, Controller, DynamicModule, Module, Type, UseGuards } from '@nestjs/common';
import { DashboardApiController } from './dashboard-api.controller';
import { DashboardAssets } from './dashboard-assets';
import { DashboardPageController } from './dashboard-page.controller';
import { DASHBOARD_OPTIONS } from './dashboard.constants';
import { DelayTaskDashboardOptions } from './dashboard-options.interface';
import { resolveDashboardOptions } from './dashboard-options.validation';
import { DashboardOverviewReader } from './dashboard-overview';
import { DashboardReadOnlyGuard } from './read-only.guard';

/**
 * A page and a JSON API to see and act on delayed tasks: counts, lateness,
 * the due timeline, live instances and unhandled patterns; pending, active
 * and dead-lettered tasks. Plain Nest controllers, so the app's guards,
 * interceptors and global prefix apply. Import it beside `DelayTaskModule`.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [
 *     DelayTaskModule.forRoot({ connection: 'redis://127.0.0.1:6379/0' }),
 *     DelayTaskDashboardModule.register({ path: 'delay-tasks', guards: [AdminGuard] }),
 *   ],
 * })
 * export class AppModule {}
 * ```
 */
@Module({})
export class DelayTaskDashboardModule {
  static register(options: DelayTaskDashboardOptions = {}): DynamicModule {
    const resolved = resolveDashboardOptions(options);
    return {
      module: DelayTaskDashboardModule,
      controllers: [
        mount(DashboardPageController, resolved.path, resolved.guards),
        mount(DashboardApiController, resolved.path, [...resolved.guards, DashboardReadOnlyGuard]),
      ],
      providers: [
        { provide: DASHBOARD_OPTIONS, useValue: resolved },
        { provide: DashboardAssets, useFactory: () => new DashboardAssets() },
        DashboardOverviewReader,
        DashboardReadOnlyGuard,
      ],
    };
  }
}

/**
 * A controller class of `base`'s routes at `path`, behind `guards`.
 * NOTE: route paths are class metadata, fixed when a class is decorated; a
 * fresh subclass per `register` lets each app choose its path.
 */
function mount<T>(
  base: Type<T>,
  path: string,
  guards: Array<CanActivate | Type<CanActivate>>,
): Type<T> {
  const mounted = class extends (base as Type<object>) {} as Type<T>;
  // Nest names a controller by its class in its route log ("DashboardApiController {/delay-tasks}").
  Object.defineProperty(mounted, 'name', { value: base.name });
  Controller(path)(mounted);
  if (guards.length > 0) UseGuards(...guards)(mounted);
  return mounted;
}
