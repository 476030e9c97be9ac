import { Injectable, NotFoundException } from '@nestjs/common';
import { DelayTaskService } from '../../lib';

/** What a coupon's reminder task carries. */
export interface CouponReminderPayload {
  couponId: string;
  userId: string;
}

export interface Coupon {
  id: string;
  userId: string;
  /** When the coupon stops being valid (epoch ms). */
  expiresAt: number;
  /** When the user is reminded: `remindBeforeMs` ahead of `expiresAt` (epoch ms). */
  remindAt: number;
  /** When the reminder actually went out. */
  remindedAt?: number;
}

export const couponReminderKey = (couponId: string): string => `coupon-reminder:${couponId}`;

/** Coupons whose owners are reminded some time before they expire. */
@Injectable()
export class CouponsService {
  private readonly coupons = new Map<string, Coupon>();
  private lastId = 0;

  constructor(private readonly tasks: DelayTaskService) {}

  async create(userId: string, expiresInMs: number, remindBeforeMs: number): Promise<Coupon> {
    const id = String(++this.lastId);
    const expiresAt = Date.now() + expiresInMs;
    const coupon: Coupon = { id, userId, expiresAt, remindAt: expiresAt - remindBeforeMs };
    this.coupons.set(id, coupon);
    const payload: CouponReminderPayload = { couponId: id, userId };
    try {
      // `at` rather than `delay`: the reminder is tied to a moment, the coupon's expiry.
      await this.tasks.schedule(couponReminderKey(id), payload, { at: new Date(coupon.remindAt) });
    } catch (error) {
      this.coupons.delete(id);
      throw error;
    }
    return coupon;
  }

  get(id: string): Coupon {
    const coupon = this.coupons.get(id);
    if (!coupon) throw new NotFoundException(`No coupon ${id}`);
    return coupon;
  }

  /** Records that the reminder went out; `undefined` if the coupon is unknown. */
  markReminded(id: string): Coupon | undefined {
    const coupon = this.coupons.get(id);
    if (coupon) coupon.remindedAt ??= Date.now();
    return coupon;
  }
}
