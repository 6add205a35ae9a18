/**
 * An upstream path as a template, for traces: `/v1/cards/card_298c1c44/sensitive` →
 * `/v1/cards/{id}/sensitive`. Every provider's fixed path segments are lowercase words,
 * hyphenated (`block-unblock`, `master-wallet`) or an API version (`v1`); the ids a path
 * carries are not (they hold digits, underscores, dots or percent-escapes: `card_…`, a
 * ledger `tenant.user.ul`, a UUID). So a segment that is not such a word is an id and is
 * replaced: the template never holds an id, and the set of templates stays bounded. The
 * query string is never part of it (utgl's `ids=` list, references).
 */
const FIXED_SEGMENT = /^(?:[a-z]+(?:-[a-z]+)*|v\d{1,2})$/;

export const ID_PLACEHOLDER = '{id}';

export function routeTemplate(path: string): string {
  const withoutQuery = path.split('?', 1)[0]!;
  return withoutQuery
    .split('/')
    .map((segment) => (segment === '' || FIXED_SEGMENT.test(segment) ? segment : ID_PLACEHOLDER))
    .join('/');
}
