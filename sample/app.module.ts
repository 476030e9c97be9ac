import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { DelayTaskExceptionFilter, DelayTaskModule } from '../lib';
import { DelayTaskDashboardModule } from '../lib/dashboard';
import { DelayTaskHealthIndicator } from '../lib/terminus';
import { SAMPLE_CONFIG, SampleConfig } from './config';
import { CouponReminder } from './coupons/coupon-reminder.handler';
import { CouponsController } from './coupons/coupons.controller';
import { CouponsService } from './coupons/coupons.service';
import { DashboardBasicAuthGuard } from './operations/dashboard-auth.guard';
import { HealthController } from './operations/health.controller';
import { TasksController } from './operations/tasks.controller';
import { OrderExpiry } from './orders/order-expiry.handler';
import { OrdersController } from './orders/orders.controller';
import { OrdersService } from './orders/orders.service';
import { PetMealEnd } from './pets/pet-meal.handler';
import { PetsController } from './pets/pets.controller';
import { PetsService } from './pets/pets.service';

/**
 * The three stories in one app, with health (`GET /health`), metrics
 * (`GET /metrics`, prom-client's default registry as
 * `@willsoto/nestjs-prometheus` serves it), the module's state
 * (`GET /tasks/...`) and the dashboard (`/delay-tasks`, behind Basic auth
 * when a password is set) mounted; `register` takes the config so tests can
 * pass their own.
 */
@Module({})
export class AppModule {
  static register(config: SampleConfig): DynamicModule {
    const metrics = config.metrics ?? true;
    return {
      module: AppModule,
      imports: [
        DelayTaskModule.forRoot({
          connection: config.redisUrl,
          prefix: config.prefix,
          metrics: { prometheus: metrics },
        }),
        TerminusModule,
        DelayTaskDashboardModule.register({
          path: 'delay-tasks',
          readOnly: config.dashboardReadOnly ?? false,
          guards: config.dashboardPassword
            ? [
                new DashboardBasicAuthGuard({
                  user: config.dashboardUser ?? 'admin',
                  password: config.dashboardPassword,
                }),
              ]
            : [],
        }),
        ...(metrics ? [PrometheusModule.register()] : []),
      ],
      controllers: [
        OrdersController,
        CouponsController,
        PetsController,
        HealthController,
        TasksController,
      ],
      providers: [
        { provide: SAMPLE_CONFIG, useValue: config },
        // A bad value a route passes to DelayTaskService is answered 400, not 500.
        { provide: APP_FILTER, useClass: DelayTaskExceptionFilter },
        DelayTaskHealthIndicator,
        OrdersService,
        OrderExpiry,
        CouponsService,
        CouponReminder,
        PetsService,
        PetMealEnd,
      ],
    };
  }
}
