import { Injectable, Logger } from '@nestjs/common';
import { ExpiredKeyEvent, OnKeyExpired } from '../../lib';
import { CouponReminderPayload, CouponsService } from './coupons.service';

/** Sends (here: logs) the reminder that a coupon is about to expire. */
@Injectable()
export class CouponReminder {
  private readonly logger = new Logger(CouponReminder.name);

  constructor(private readonly coupons: CouponsService) {}

  @OnKeyExpired('coupon-reminder:*')
  onReminderDue(event: ExpiredKeyEvent<CouponReminderPayload>): void {
    // Only scheduled reminders carry the user to remind; a stray plain key of
    // this name has nothing to say.
    if (!event.payload) return;
    const { couponId, userId } = event.payload;
    const coupon = this.coupons.markReminded(couponId);
    if (!coupon) return;
    const left = Math.max(0, Math.round((coupon.expiresAt - Date.now()) / 1_000));
    this.logger.log(`Reminder to user ${userId}: coupon ${couponId} expires in ${left}s`);
  }
}
