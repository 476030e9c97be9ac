import { BadRequestException, Body, Controller, Get, Param, Post } from '@nestjs/common';
import { Coupon, CouponsService } from './coupons.service';

interface CreateCouponBody {
  userId: string;
  expiresInMs: number;
  remindBeforeMs: number;
}

@Controller('coupons')
export class CouponsController {
  constructor(private readonly coupons: CouponsService) {}

  /** `{ userId, expiresInMs, remindBeforeMs }`: the user is reminded `remindBeforeMs` before expiry. */
  @Post()
  create(@Body() body: unknown): Promise<Coupon> {
    const { userId, expiresInMs, remindBeforeMs } = parseCreateCoupon(body);
    return this.coupons.create(userId, expiresInMs, remindBeforeMs);
  }

  @Get(':id')
  get(@Param('id') id: string): Coupon {
    return this.coupons.get(id);
  }
}

// Checked by hand to keep the sample free of validation libraries.
function parseCreateCoupon(body: unknown): CreateCouponBody {
  const { userId, expiresInMs, remindBeforeMs } = (body ?? {}) as Partial<Record<string, unknown>>;
  if (typeof userId !== 'string' || userId === '') {
    throw new BadRequestException('userId must be a non-empty string');
  }
  if (!isDuration(expiresInMs) || !isDuration(remindBeforeMs) || remindBeforeMs > expiresInMs) {
    throw new BadRequestException(
      'expiresInMs and remindBeforeMs must be whole milliseconds, with remindBeforeMs <= expiresInMs',
    );
  }
  // The reminder is scheduled `at` a Date: past the last one JavaScript has, there is no such moment.
  if (Number.isNaN(new Date(Date.now() + expiresInMs).getTime())) {
    throw new BadRequestException('expiresInMs puts the expiry past the last representable date');
  }
  return { userId, expiresInMs, remindBeforeMs };
}

function isDuration(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
