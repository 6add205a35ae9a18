import { maskPan, redact } from '../../../src/core/redact.js';

describe('redact', () => {
  it('keeps only the last four digits of a PAN-like number', () => {
    expect(redact('card 4219220000005986 declined')).toBe('card ••••5986 declined');
    expect(redact('card 4219 2200 0000 5986 declined')).not.toContain('4219');
  });

  it('removes CVVs, tokens, JWTs and keys', () => {
    const text = 'cvv: 694 "api_key":"sk_live_123" Bearer abc.def0123456789 eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.sig -----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----';
    const clean = redact(text);
    for (const secret of ['694', 'sk_live_123', 'abc.def0123456789', 'eyJhbGci', 'MIIE']) expect(clean).not.toContain(secret);
  });

  it('masks to the last four for display', () => {
    expect(maskPan('4242')).toBe('•••• 4242');
  });
});
