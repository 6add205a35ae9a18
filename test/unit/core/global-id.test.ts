import { ErrorCode } from '../../../src/core/errors.js';
import { decodeGlobalId, encodeGlobalId } from '../../../src/core/global-id.js';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as { code: string }).code;
  }
  return 'no error';
};

describe('global ids', () => {
  it('round-trips refs that contain colons and slashes', () => {
    const id = encodeGlobalId('ledger', 'Card', 'c8abc8ff-8c56/tenant.user.ul:x');
    expect(decodeGlobalId(id)).toEqual({ provider: 'ledger', type: 'Card', ref: 'c8abc8ff-8c56/tenant.user.ul:x' });
  });

  it('is opaque base64url', () => {
    expect(encodeGlobalId('utgl', 'Card', 'card_1')).toMatch(/^[A-Za-z0-9_-]+$/);
  });

  it.each([
    ['empty', ''],
    ['not base64url', 'abc$%'],
    ['unknown provider', Buffer.from('stripe:Card:1').toString('base64url')],
    ['unknown type', Buffer.from('utgl:Account:1').toString('base64url')],
    ['missing ref', Buffer.from('utgl:Card:').toString('base64url')],
    ['too long', 'a'.repeat(600)],
  ])('rejects a forged id (%s) as BAD_USER_INPUT', (_label, id) => {
    expect(codeOf(() => decodeGlobalId(id))).toBe(ErrorCode.BAD_USER_INPUT);
  });

  it('rejects an id of another type where a type is expected', () => {
    const id = encodeGlobalId('utgl', 'Wallet', 'acc_1');
    expect(() => decodeGlobalId(id, 'Card')).toThrow(/is the id of a Wallet, not of a Card/);
  });
});
