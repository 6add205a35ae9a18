import { collectCardData, findCardDataLeaks } from '../../support/card-data-scan.js';

describe('the log capture check', () => {
  const store = { cards: new Map([['c1', { pan: '4242424242424242', cvv: '123', last4: '4242' }]]), other: ['1234567890123456'] };

  it('collects Luhn-valid card numbers and CVVs from a simulator store', () => {
    const data = collectCardData(store);
    expect([...data.pans]).toEqual(['4242424242424242']);
    expect([...data.cvvs]).toEqual(['123']);
  });

  it('finds a leaked PAN or cvv field, and nothing in clean logs', () => {
    const data = collectCardData(store);
    expect(findCardDataLeaks('{"msg":"card 4242424242424242 declined"}', data)).toEqual(['PAN ending 4242']);
    expect(findCardDataLeaks('{"body":{"cvv":"[REDACTED]"}}', data)).toEqual(['a cvv field']);
    expect(findCardDataLeaks('{"msg":"upstream response","status":200,"ms":123,"last4":"4242"}', data)).toEqual([]);
  });
});
