import type * as OTelApi from '@opentelemetry/api';
import type { Span, Tracer } from '@opentelemetry/api';
import { UnsignalledEvent } from '../../routing/delivery-control';
import { decodeTraceContext, encodeTraceContext } from './trace-context';

/** Instrumentation scope of the module's spans and metrics. */
export const INSTRUMENTATION_NAME = 'nestjs-delay-task';

/** What a delivery span says about the delivery it covers. */
export interface DeliverySpanFacts {
  event: UnsignalledEvent;
  /** The handler pattern the key matched ('' when none did). */
  pattern: string;
  latenessMs: number;
  /** The record's `trace` extension: the span that scheduled the task. */
  origin: string | undefined;
}

/** An open delivery span: runs the handlers in its context, then ends. */
export interface DeliverySpan {
  run<T>(work: () => T): T;
  end(outcome: string, error?: string): void;
}

/**
 * Spans through `@opentelemetry/api` (a no-op until the app registers an
 * SDK): captures the active span at `schedule`, and runs each delivery in a
 * CONSUMER span linked to it.
 *
 * NOTE: a link, not a parent: the two may be hours apart, and a retry is
 * another span linked to the same origin, as OpenTelemetry's messaging
 * conventions do for a consumer far from its producer.
 */
export class DeliveryTracer {
  private readonly tracer: Tracer;

  constructor(private readonly api: typeof OTelApi) {
    this.tracer = api.trace.getTracer(INSTRUMENTATION_NAME);
  }

  /** The active span's context as a record stores it; `undefined` (no bytes) when no span is active. */
  captureContext(): string | undefined {
    const span = this.api.trace.getActiveSpan();
    if (!span) return undefined;
    const context = span.spanContext();
    return this.api.isSpanContextValid(context) ? encodeTraceContext(context) : undefined;
  }

  /** Starts a delivery's span; `undefined` when the SDK does not record it (nothing to do then). */
  startDelivery(facts: DeliverySpanFacts): DeliverySpan | undefined {
    const { api } = this;
    const { event, pattern, latenessMs, origin } = facts;
    const linked =
      origin === undefined ? undefined : decodeTraceContext(origin, api.createTraceState);
    const span = this.tracer.startSpan(
      `process ${pattern || event.key}`,
      {
        kind: api.SpanKind.CONSUMER,
        links: linked ? [{ context: linked }] : [],
        attributes: {
          'messaging.system': INSTRUMENTATION_NAME,
          'messaging.operation.type': 'process',
          'messaging.destination.name': pattern,
          'delay_task.key': event.key,
          'delay_task.attempt': event.attempt,
          'delay_task.due_at': event.dueAt ?? 0,
          'delay_task.lateness_ms': latenessMs,
          'delay_task.source': event.source,
        },
      },
      // A root of its own: whatever context the scheduler happens to run in is not the task's.
      api.ROOT_CONTEXT,
    );
    if (!span.isRecording()) return undefined;
    return new RecordingDeliverySpan(api, span);
  }
}

class RecordingDeliverySpan implements DeliverySpan {
  constructor(
    private readonly api: typeof OTelApi,
    private readonly span: Span,
  ) {}

  run<T>(work: () => T): T {
    const { api } = this;
    return api.context.with(api.trace.setSpan(api.ROOT_CONTEXT, this.span), work);
  }

  end(outcome: string, error?: string): void {
    this.span.setAttribute('delay_task.outcome', outcome);
    if (error !== undefined) {
      this.span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: error });
    }
    this.span.end();
  }
}
