import { redact } from '../src/redact';

describe('redact', () => {
  const KEY = 'sk-live/SECRET+31337';

  it('removes a known secret as sent, URL-encoded and JSON-escaped', () => {
    const text = `raw ${KEY}; url ${encodeURIComponent(KEY)}; json ${JSON.stringify(KEY).slice(1, -1).replace('/', '\\/')}`;
    const out = redact(text, [KEY]);
    expect(out).not.toContain('SECRET');
    expect(out).toContain('raw [redacted]; url [redacted];');
  });

  it('removes what looks like a credential, keeping the text around it readable', () => {
    expect(redact('key not recognised: Bearer abc.DEF-123_x', [])).toBe('key not recognised: Bearer [redacted]');
    expect(redact('{"api_key":"k-999","token": "t0k"}', [])).toBe('{"api_key":"[redacted]","token": "[redacted]"}');
    expect(redact('authorization=Basic dXNlcjpwYXNz&x-api-key: zzz', [])).toBe('authorization=Basic [redacted]&x-api-key: [redacted]');
    expect(redact('password=hunter2 secret:s3', [])).toBe('password=[redacted] secret:[redacted]');
  });

  it('leaves ordinary text alone', () => {
    const text = 'upstream answered 503: service_unavailable; retry later (tokens are fine, keys too)';
    expect(redact(text, ['sim-key'])).toBe(text);
  });
});
