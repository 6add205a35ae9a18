/**
 * The first check a GraphQL document meets: one linear pass over its token stream, before
 * graphql parses or validates it, counting what validation would have to work through.
 * Validation is not linear in what a document writes (OverlappingFieldsCanBeMergedRule
 * compares every pair of fields with the same response name: one field repeated 499 times is
 * ~125 000 comparisons), so a document over these caps is refused here, for the price of
 * lexing it, and validation never sees it.
 *
 * Counted, in selection sets only (arguments, variable definitions and directive arguments
 * are skipped: they select nothing):
 * - fields: each field written, aliased or not (`a: cards` counts once), in operations and
 *   fragments alike;
 * - selections: fields plus fragment spreads and inline fragments (`...F`, `... on Card`),
 *   so fragments cannot multiply what the field cap bounds.
 *
 * The scan stops after `maxTokens` tokens (the parser then refuses the document for its
 * size) and gives up silently on a lexical error (the parser then reports it): it only ever
 * refuses a document for what it counted.
 */
import { Lexer, Source, TokenKind, type Token } from 'graphql';
import { ErrorCode, GatewayError } from '../core/errors.js';

export interface DocumentCounts {
  fields: number;
  selections: number;
  /** Tokens read: at most `maxTokens` + 1. */
  tokens: number;
}

/** Counts the fields and selections `source` writes; null when it does not lex. */
export function scanDocument(source: string, maxTokens: number): DocumentCounts | null {
  const counts: DocumentCounts = { fields: 0, selections: 0, tokens: 0 };
  // Each open brace: true for a selection set, false for an object value (inside arguments).
  const braces: boolean[] = [];
  let parens = 0;
  let previous: TokenKind | undefined;
  /** After `... on`, the next name is a type condition, not a field. */
  let typeCondition = false;
  let lexer: Lexer;
  try {
    lexer = new Lexer(new Source(source));
    for (let token: Token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      counts.tokens += 1;
      if (counts.tokens > maxTokens) break;
      const inSelection = parens === 0 && braces.length > 0 && braces[braces.length - 1] === true;
      switch (token.kind) {
        case TokenKind.PAREN_L:
          parens += 1;
          break;
        case TokenKind.PAREN_R:
          parens = Math.max(0, parens - 1);
          break;
        case TokenKind.BRACE_L:
          braces.push(parens === 0);
          typeCondition = false;
          break;
        case TokenKind.BRACE_R:
          braces.pop();
          break;
        case TokenKind.SPREAD:
          if (inSelection) counts.selections += 1;
          break;
        case TokenKind.COLON:
          // `alias: field`: the alias was counted as a field, the field after it will be.
          if (inSelection && previous === TokenKind.NAME) {
            counts.fields -= 1;
            counts.selections -= 1;
          }
          break;
        case TokenKind.NAME:
          if (!inSelection || previous === TokenKind.AT) break;
          if (previous === TokenKind.SPREAD) {
            typeCondition = token.value === 'on';
            break;
          }
          if (typeCondition) {
            typeCondition = false;
            break;
          }
          counts.fields += 1;
          counts.selections += 1;
          break;
        default:
          break;
      }
      previous = token.kind;
    }
  } catch {
    return null;
  }
  return counts;
}

/**
 * The refusal for a document writing more fields or selections than allowed, or undefined.
 * Fields are checked first: a field-duplication document is refused for its fields.
 */
export function documentScanError(
  source: string,
  limits: { maxTokens: number; maxFields: number; maxSelections: number },
): GatewayError | undefined {
  const counts = scanDocument(source, limits.maxTokens);
  if (!counts) return undefined;
  if (counts.fields > limits.maxFields) {
    return refusal('fields', limits.maxFields, counts.fields, `The document selects ${counts.fields} fields; the maximum is ${limits.maxFields}.`);
  }
  if (counts.selections > limits.maxSelections) {
    return refusal(
      'selections',
      limits.maxSelections,
      counts.selections,
      `The document has ${counts.selections} selections (fields, fragment spreads, inline fragments); the maximum is ${limits.maxSelections}.`,
    );
  }
  return undefined;
}

/** Documents remembered as passing the scan, and the longest remembered (8 MB at most in all). */
export const PASSED_DOCUMENTS_KEPT = 1_000;
const LONGEST_KEPT = 8_192;

/**
 * `documentScanError` for a server's limits, remembering the documents that passed: clients
 * send the same few texts over and over, and looking one up costs a hash of the string where
 * lexing it cost about 1% of a one-card request (issue 14). Refusals are not remembered.
 */
export function documentScanner(limits: { maxTokens: number; maxFields: number; maxSelections: number }): (source: string) => GatewayError | undefined {
  const passed = new Set<string>();
  return (source) => {
    if (passed.has(source)) return undefined;
    const refused = documentScanError(source, limits);
    if (!refused && source.length <= LONGEST_KEPT) {
      if (passed.size >= PASSED_DOCUMENTS_KEPT) passed.delete(passed.values().next().value!);
      passed.add(source);
    }
    return refused;
  };
}

function refusal(limit: 'fields' | 'selections', max: number, actual: number, message: string): GatewayError {
  return new GatewayError(ErrorCode.BAD_USER_INPUT, message, { retryable: false, details: { limit, max, actual } });
}
