/**
 * The peer gateway's one data source: utgl's cards over `RESTDataSource`, each request signed
 * with utgl's per-request JWT exactly as Cardplane and the direct client sign it.
 */
import { RESTDataSource, type AugmentedRequest } from '@apollo/datasource-rest';
import { utglRequestSigner } from '../shapes.js';

/** A utgl card as the list endpoint answers it (the fields the peer reads). */
export interface UtglCard {
  id: string;
  status: string;
  last4: string;
  exp_month: number;
  exp_year: number;
}

export class UtglCardsSource extends RESTDataSource {
  constructor(
    override readonly baseURL: string,
    private readonly sign: ReturnType<typeof utglRequestSigner>,
  ) {
    super();
  }

  protected override async willSendRequest(path: string, request: AugmentedRequest): Promise<void> {
    const url = new URL(path, this.baseURL);
    request.params.forEach((value, name) => url.searchParams.append(name, value));
    const body = typeof request.body === 'string' ? request.body : undefined;
    request.headers.authorization = `Bearer ${await this.sign(request.method ?? 'GET', url.pathname + url.search, body)}`;
  }

  async card(ref: string): Promise<UtglCard | undefined> {
    const page = await this.get<{ data: UtglCard[] }>('v1/cards', { params: { ids: ref } });
    return page.data[0];
  }
}
