import { Injectable, Logger } from '@nestjs/common';
import { ExpiredKeyEvent, OnKeyExpired } from '../../lib';
import { ORDER_KEY_PREFIX, OrderTimeoutPayload, OrdersService } from './orders.service';

/**
 * Cancels unpaid orders when `order:<id>` expires: the task `OrdersService`
 * scheduled, or a plain Redis key of that name written by anyone (the classic
 * `SET order:7 x EX 1800` setup).
 */
@Injectable()
export class OrderExpiry {
  private readonly logger = new Logger(OrderExpiry.name);

  constructor(private readonly orders: OrdersService) {}

  @OnKeyExpired('order:*')
  onOrderExpired(event: ExpiredKeyEvent<OrderTimeoutPayload>): void {
    if (!event.scheduled) {
      this.logger.log(`plain key ${event.key} expired (no payload, source ${event.source})`);
    }
    // A plain key carries no payload (its value is gone), so the id comes from
    // the key name, as it always did in the classic setup.
    const orderId = event.payload?.orderId ?? event.key.slice(ORDER_KEY_PREFIX.length);
    const outcome = this.orders.cancelUnpaid(
      orderId,
      event.scheduled ? 'scheduled task' : 'plain key',
    );
    switch (outcome) {
      case 'cancelled':
        this.logger.log(`Order ${orderId} was not paid in time: cancelled`);
        break;
      case 'not unpaid':
        this.logger.log(`Order ${orderId} is no longer unpaid: left as it is`);
        break;
      case 'unknown':
        this.logger.log(`No order ${orderId} here: nothing to cancel`);
        break;
    }
  }
}
