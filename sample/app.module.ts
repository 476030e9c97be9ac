import { DynamicModule, Module } from '@nestjs/common';
import { DelayTaskModule } from '../lib';
import { SAMPLE_CONFIG, SampleConfig } from './config';
import { CouponReminder } from './coupons/coupon-reminder.handler';
import { CouponsController } from './coupons/coupons.controller';
import { CouponsService } from './coupons/coupons.service';
import { OrderExpiry } from './orders/order-expiry.handler';
import { OrdersController } from './orders/orders.controller';
import { OrdersService } from './orders/orders.service';
import { PetMealEnd } from './pets/pet-meal.handler';
import { PetsController } from './pets/pets.controller';
import { PetsService } from './pets/pets.service';

/** The three stories in one app; `register` takes the config so tests can pass their own. */
@Module({})
export class AppModule {
  static register(config: SampleConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [DelayTaskModule.forRoot({ connection: config.redisUrl, prefix: config.prefix })],
      controllers: [OrdersController, CouponsController, PetsController],
      providers: [
        { provide: SAMPLE_CONFIG, useValue: config },
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
