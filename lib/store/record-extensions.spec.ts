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

  it('keeps a non-ASCII value intact', () => {
    const field = encodeExtensions({ series: '{"tz":"Europe/Zürich"}' }) + '"ü"';
    expect(splitExtensions(field)).toEqual({
      extensions: { series: '{"tz":"Europe/Zürich"}' },
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

  it('refuse a value with a newline rather than corrupt the record', () => {
    expect(() => encodeExtensions({ series: 'a\nb' })).toThrow('may not hold a newline');
  });
});
