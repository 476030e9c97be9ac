import { createTraceState, TraceFlags } from '@opentelemetry/api';
import { encodeExtensions, splitExtensions } from '../../store/record-extensions';
import { decodeTraceContext, encodeTraceContext } from './trace-context';

const TRACE_ID = '0af7651916cd43dd8448eb211c80319c';
const SPAN_ID = 'b7ad6b7169203331';

describe('trace context in a task record', () => {
  it('stores traceparent and tracestate, and reads them back as a remote span context', () => {
    const stored = encodeTraceContext({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
      traceState: createTraceState('vendor=a1, other=b2'),
    });
    expect(stored).toBe(`00-${TRACE_ID}-${SPAN_ID}-01 vendor=a1,other=b2`);
    // Through the record extension as TaskStore writes it and parseRecord reads it.
    const { extensions } = splitExtensions(encodeExtensions({ trace: stored }) + '{"n":1}');
    const context = decodeTraceContext(extensions.trace!, createTraceState);
    expect(context).toMatchObject({
      traceId: TRACE_ID,
      spanId: SPAN_ID,
      traceFlags: TraceFlags.SAMPLED,
      isRemote: true,
    });
    expect(context?.traceState?.get('other')).toBe('b2');
  });

  it('stores an unsampled context without tracestate as the traceparent alone', () => {
    const stored = encodeTraceContext({ traceId: TRACE_ID, spanId: SPAN_ID, traceFlags: 0 });
    expect(stored).toBe(`00-${TRACE_ID}-${SPAN_ID}-00`);
    expect(decodeTraceContext(stored, createTraceState)?.traceState).toBeUndefined();
  });

  it('skips a context it cannot read rather than failing the delivery', () => {
    expect(decodeTraceContext('not-a-traceparent', createTraceState)).toBeUndefined();
    expect(decodeTraceContext(`00-${TRACE_ID}-short-01`, createTraceState)).toBeUndefined();
  });
});
