import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { Order, OrdersService } from './orders.service';

@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  /** Creates an unpaid order; it is cancelled after `ORDER_TIMEOUT_MS` unless paid. */
  @Post()
  create(): Promise<Order> {
    return this.orders.create();
  }

  @Post(':id/pay')
  @HttpCode(200)
  pay(@Param('id') id: string): Promise<Order & { timeoutCancelled: boolean }> {
    return this.orders.pay(id);
  }

  @Get(':id')
  get(@Param('id') id: string): Order {
    return this.orders.get(id);
  }
}
