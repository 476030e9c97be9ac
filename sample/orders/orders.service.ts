import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { DelayTaskService } from '../../lib';
import { SAMPLE_CONFIG, SampleConfig } from '../config';

/** What an order's timeout task carries. */
export interface OrderTimeoutPayload {
  orderId: string;
}

export type OrderStatus = 'unpaid' | 'paid' | 'cancelled';

/** What cancelled an order: its own scheduled task, or a plain Redis key `order:<id>` that expired. */
export type CancelledBy = 'scheduled task' | 'plain key';

export interface Order {
  id: string;
  status: OrderStatus;
  createdAt: number;
  /** When the order is cancelled unless it has been paid (epoch ms). */
  payBy: number;
  paidAt?: number;
  cancelledAt?: number;
  cancelledBy?: CancelledBy;
}

export const ORDER_KEY_PREFIX = 'order:';

/** The task key of an order's timeout: the key is the task's identity. */
export const orderKey = (orderId: string): string => `${ORDER_KEY_PREFIX}${orderId}`;

/** Unpaid orders are cancelled after `ORDER_TIMEOUT_MS`; paying cancels that timeout. */
@Injectable()
export class OrdersService {
  private readonly orders = new Map<string, Order>();
  private lastId = 0;

  constructor(
    private readonly tasks: DelayTaskService,
    @Inject(SAMPLE_CONFIG) private readonly config: SampleConfig,
  ) {}

  async create(): Promise<Order> {
    const id = String(++this.lastId);
    const createdAt = Date.now();
    const order: Order = {
      id,
      status: 'unpaid',
      createdAt,
      payBy: createdAt + this.config.orderTimeoutMs,
    };
    // Stored before scheduling, so even a zero timeout finds the order when it fires.
    this.orders.set(id, order);
    const payload: OrderTimeoutPayload = { orderId: id };
    try {
      const { dueAt } = await this.tasks.schedule(orderKey(id), payload, {
        delay: this.config.orderTimeoutMs,
      });
      order.payBy = dueAt; // the task's due time, on Redis' clock
    } catch (error) {
      this.orders.delete(id);
      throw error;
    }
    return order;
  }

  /** Pays an order; `timeoutCancelled` says whether its timeout task was still pending. */
  async pay(id: string): Promise<Order & { timeoutCancelled: boolean }> {
    const order = this.find(id);
    if (order.status !== 'unpaid') {
      throw new ConflictException(`Order ${id} is ${order.status}`);
    }
    // NOTE: marked paid before cancelling the task: if its handler is already
    // running (cancel then returns false), it sees a paid order and leaves it.
    order.status = 'paid';
    order.paidAt = Date.now();
    const timeoutCancelled = await this.tasks.cancel(orderKey(id));
    return { ...order, timeoutCancelled };
  }

  get(id: string): Order {
    return this.find(id);
  }

  /**
   * Cancels the order if it is still unpaid. Called by the expiry handler, for
   * the order's own task or a plain key, so it may run more than once per order.
   */
  cancelUnpaid(id: string, by: CancelledBy): 'cancelled' | 'not unpaid' | 'unknown' {
    const order = this.orders.get(id);
    if (!order) return 'unknown';
    if (order.status !== 'unpaid') return 'not unpaid';
    order.status = 'cancelled';
    order.cancelledAt = Date.now();
    order.cancelledBy = by;
    return 'cancelled';
  }

  private find(id: string): Order {
    const order = this.orders.get(id);
    if (!order) throw new NotFoundException(`No order ${id}`);
    return order;
  }
}
