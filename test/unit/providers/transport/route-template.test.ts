/**
 * Upstream paths as templates for traces: every provider's fixed segments stay, every id
 * (whatever its shape) becomes `{id}`, the query string goes.
 */
import { createCallContext } from '../../../../src/core/call-context.js';
import { createLogger } from '../../../../src/core/logger.js';
import { PushpullClient } from '../../../../src/providers/pushpull/client.js';
import type { AttemptStart } from '../../../../src/providers/transport/http.js';
import { routeTemplate } from '../../../../src/providers/transport/route-template.js';
import { SandboxServer } from '../../../../src/sandbox/server.js';
import { failure } from '../../../support/failure.js';

describe('route templates', () => {
  it.each([
    ['/v1/cards', '/v1/cards'],
    ['/v1/cards/card_298c1c44cf374d4f/sensitive', '/v1/cards/{id}/sensitive'],
    ['/v1/transfers/trf_0a1b2c', '/v1/transfers/{id}'],
    ['/cards/6f1c2a9e-8b7d-4c3e-9f00-1a2b3c4d5e6f/secure-details', '/cards/{id}/secure-details'],
    ['/cards/crd_7Hq2/freeze', '/cards/{id}/freeze'],
    ['/api/v1/master-wallet/deposit-address', '/api/v1/master-wallet/deposit-address'],
    ['/transactions/acme.alice.ul/balance', '/transactions/{id}/balance'],
    ['/transactions/identifier/acme.alice.ul/type/off-chain/history', '/transactions/identifier/{id}/type/off-chain/history'],
    ['/tenant/customer/customer-full-details/cust%20001', '/tenant/customer/customer-full-details/{id}'],
    ['/accounts/ACCT1/transactions', '/accounts/{id}/transactions'],
    ['/v1/cards?ids=card_1,card_2', '/v1/cards'],
  ])('%s → %s', (path, template) => {
    expect(routeTemplate(path)).toBe(template);
  });

  it('names pushpull’s ClientID in the path prefix, even when it is a plain word', async () => {
    const server = new SandboxServer({ name: 'pushpull', routes: [] });
    const baseUrl = await server.start();
    const routes: string[] = [];
    const client = new PushpullClient({
      baseUrl,
      clientId: 'acme',
      token: 'tok',
      connectTimeoutMs: 500,
      headersTimeoutMs: 500,
      bodyTimeoutMs: 500,
      maxRetries: 0,
      observer: (start: AttemptStart) => {
        routes.push(start.route);
        return () => undefined;
      },
    });
    try {
      await failure(client.request({ method: 'GET', path: client.path('/accounts/acct_9f2e/transactions'), kind: 'read', name: 'listTransactions' }, createCallContext('req', createLogger('silent'))));
    } finally {
      await client.close();
      await server.stop();
    }
    expect(server.requests[0]!.path).toBe('/v1/clients/acme/accounts/acct_9f2e/transactions');
    expect(routes).toEqual(['/v1/clients/{clientId}/accounts/{id}/transactions']);
  });
});
