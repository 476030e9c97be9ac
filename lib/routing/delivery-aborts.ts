import { Injectable } from '@nestjs/common';
import { DeliveryAbortedError } from '../errors/delivery-aborted.error';
import { DeliveryControl } from './delivery-control';

/**
 * The deliveries running on this instance, so that they can be aborted from
 * outside their handlers: one scheduled delivery by its claim (a message on
 * the abort channel, sent by `cancel(key, { abort: true })` on any instance),
 * or all of them when `app.close()` gives up waiting.
 */
@Injectable()
export class DeliveryAborts {
  /** Scheduled deliveries by `<claim number>|<key>`: exactly what the abort channel carries. */
  private readonly scheduled = new Map<string, DeliveryControl>();
  private readonly plain = new Set<DeliveryControl>();
  private closing?: DeliveryAbortedError;

  /** A control for a delivery of a scheduled task, aborted by a message naming its claim. */
  openScheduled(key: string, token: string): DeliveryControl {
    const control = this.open(`${token}|${key}`);
    this.scheduled.set(control.claim!, control);
    return control;
  }

  closeScheduled(control: DeliveryControl): void {
    this.scheduled.delete(control.claim!);
  }

  /** A control for the handlers of one plain expired key. */
  openPlain(): DeliveryControl {
    const control = this.open();
    this.plain.add(control);
    return control;
  }

  closePlain(control: DeliveryControl): void {
    this.plain.delete(control);
  }

  /**
   * A message on the abort channel: `"<claim number>|<key>"` of a delivery
   * stopped for good. Other instances' claims are not here; on a Cluster the
   * message arrives once per master, and aborting twice changes nothing.
   */
  abortClaim(message: string): void {
    this.scheduled
      .get(message)
      ?.abort(
        new DeliveryAbortedError(
          'cancel',
          'The task was cancelled with { abort: true }: it will not be retried.',
        ),
      );
  }

  /** `app.close()` gave up waiting: aborts every delivery, and any that starts afterwards. */
  abortAll(reason: DeliveryAbortedError): void {
    this.closing = reason;
    this.scheduled.forEach((control) => control.abort(reason));
    this.plain.forEach((control) => control.abort(reason));
  }

  private open(claim?: string): DeliveryControl {
    const control = new DeliveryControl(claim);
    if (this.closing) control.abort(this.closing);
    return control;
  }
}
