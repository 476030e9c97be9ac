import type { SpanContext, TraceState } from '@opentelemetry/api';

/**
 * A span context as a task record stores it (`RecordExtensions.trace`): the
 * W3C `traceparent` header, then a space and the `tracestate` header when
 * there is one.
 *
 * NOTE: encoded from the span context directly rather than through the
 * global propagator: that one is a no-op unless the app's SDK sets it, and
 * the record must carry the link whatever propagators the app configured.
 */
export function encodeTraceContext(context: SpanContext): string {
  const flags = (context.traceFlags & 0xff).toString(16).padStart(2, '0');
  const parent = `00-${context.traceId}-${context.spanId}-${flags}`;
  const state = context.traceState?.serialize();
  return state ? `${parent} ${state}` : parent;
}

const TRACEPARENT = /^[\da-f]{2}-([\da-f]{32})-([\da-f]{16})-([\da-f]{2})$/;

/**
 * The span context a record stored, or `undefined` for one this version
 * cannot read (a link is then left out; the delivery runs all the same).
 */
export function decodeTraceContext(
  stored: string,
  createTraceState: (serialized: string) => TraceState,
): SpanContext | undefined {
  const space = stored.indexOf(' ');
  const parent = space < 0 ? stored : stored.slice(0, space);
  const match = TRACEPARENT.exec(parent);
  if (!match) return undefined;
  return {
    traceId: match[1],
    spanId: match[2],
    traceFlags: parseInt(match[3], 16),
    isRemote: true,
    ...(space >= 0 && { traceState: createTraceState(stored.slice(space + 1)) }),
  };
}
