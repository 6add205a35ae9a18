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

  it('masks a PAN written with dots, dashes, spaces or nothing between its digits', () => {
    for (const pan of ['4111.1111.1111.1111', '4111-1111-1111-1111', '4111 1111 1111 1111', '4111111111111111', '4111 - 1111 - 1111 - 1111', '378282246310005']) {
      const clean = redact(`upstream: card ${pan} refused`);
      expect(clean.replace(/[^0-9]/g, '')).toBe(pan.replace(/[^0-9]/g, '').slice(-4));
    }
  });

  it('removes a CVV written as cvv 123, CVC: 123, security_code=123 or "cvv":"123"', () => {
    for (const text of ['cvv 123', 'CVC: 123', 'security_code=123', '"cvv":"123"', 'CVV2 1234', 'cid=4321', '<cvc>123</cvc>', 'Security Code is 123']) {
      expect(redact(`declined: ${text}`)).not.toMatch(/123|4321/);
    }
  });

  it('keeps amounts, dates, times and short ids readable', () => {
    const text = 'amount EUR 1,234.56 on 2026-11-30 at 12:30:05 ref txn_8f3a2b id 42 uuid 123e4567-e89b-12d3-a456-426614174000';
    expect(redact(text)).toBe(text);
  });

  it('masks to the last four for display', () => {
    expect(maskPan('4242')).toBe('•••• 4242');
  });
});
