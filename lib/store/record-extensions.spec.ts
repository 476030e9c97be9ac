import { encodeExtensions, splitExtensions } from './record-extensions';

describe('record extensions', () => {
  it('cost nothing when a task has none', () => {
    expect(encodeExtensions(undefined)).toBe('');
    expect(encodeExtensions({})).toBe('');
    expect(splitExtensions('{"a":1}')).toEqual({ extensions: {}, payloadJson: '{"a":1}' });
    expect(splitExtensions('')).toEqual({ extensions: {}, payloadJson: '' });
  });

  it('round-trip beside any payload, including one that holds the marker and newlines', () => {
    const extensions = {
      trace: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01 vendor=a|b~c',
      series: '{"every":200,"missed":"once"}',
    };
    for (const payloadJson of ['', '"~7~x"', '{"text":"line\\nnext"}', '42']) {
      const field = encodeExtensions(extensions) + payloadJson;
      expect(splitExtensions(field)).toEqual({ extensions, payloadJson });
    }
  });

  it('leave a non-ASCII payload after them intact', () => {
    const field = encodeExtensions({ series: '{"tz":"Europe/Zurich"}' }) + '"ü"';
    expect(splitExtensions(field)).toEqual({
      extensions: { series: '{"tz":"Europe/Zurich"}' },
      payloadJson: '"ü"',
    });
  });

  it('skip tags a newer version wrote', () => {
    const body = 'zfuture\nt00-abc-def-01';
    expect(splitExtensions(`~${body.length}~${body}null`)).toEqual({
      extensions: { trace: '00-abc-def-01' },
      payloadJson: 'null',
    });
  });

  it('refuse a value that is not printable ASCII rather than corrupt the record', () => {
    expect(() => encodeExtensions({ series: 'a\nb' })).toThrow('must be printable ASCII');
    expect(() => encodeExtensions({ trace: 'vendor=ü' })).toThrow('must be printable ASCII');
  });
});
