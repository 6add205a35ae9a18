/**
 * Limits on what one GraphQL request may ask for, so that a single document cannot make the
 * gateway (or the providers behind it) do unbounded work. Each is answered with a typed
 * BAD_USER_INPUT error that names the limit and the values:
 *
 * - fields, selections: a linear scan of the token stream before parsing and validation
 *   (`document-scan.ts`, wired in server.ts), so a document too large to validate cheaply is
 *   refused without validation work;
 * - tokens: the parser stops after `maxTokens` lexical tokens (`parseOptions`), before any
 *   AST is built for the rest, so every other check runs on a bounded document;
 * - depth, aliases, directives: GraphQL validation rules (`validationRules`), run with
 *   graphql's own rules before anything executes;
 * - cost and ids: an Apollo plugin computes the selected operation's cost and the ids it
 *   looks up (`nodes(ids:)`, across aliases and fragments) with the request's variables in
 *   `didResolveOperation`, i.e. after validation and before execution (so before any
 *   upstream call), and refuses operations over `maxCost` or `maxIds`; the admitted cost is
 *   then charged to the viewer's budget (`charge`).
 *
 * Every error carries `extensions: { code: 'BAD_USER_INPUT', retryable: false, limit, max,
 * actual }` (`actual` is absent for tokens, where parsing stops at the limit).
 */
import type { ApolloServerPlugin, BaseContext, GraphQLRequestListener } from '@apollo/server';
import {
  getNamedType,
  GraphQLError,
  isLeafType,
  Kind,
  type ASTNode,
  type ASTVisitor,
  type DefinitionNode,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type ParseOptions,
  type SelectionSetNode,
  type ValidationContext,
  type ValidationRule,
} from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { ErrorCode } from '../core/errors.js';
import { DEFAULT_PAGE_SIZE } from '../core/page.js';
import { priceCache } from './price-cache.js';

export interface QueryLimits {
  /** Deepest field nesting of an operation, fragments expanded (`{ a { b } }` is 2). */
  maxDepth: number;
  /** Aliased fields in the document (each written alias counts once). */
  maxAliases: number;
  /** Directive uses in the document (`@include`, `@skip`, … wherever they appear). */
  maxDirectives: number;
  /** Lexical tokens in the document (names, punctuation, values; not comments). */
  maxTokens: number;
  /** The selected operation's cost, see `costEstimator`. */
  maxCost: number;
  /** Fields written in the document, aliases included (see document-scan.ts). */
  maxFields: number;
  /** Fields, fragment spreads and inline fragments written in the document. */
  maxSelections: number;
  /** Ids looked up by id lists (`nodes(ids:)`) in one operation, across aliases and fragments. */
  maxIds: number;
}

/**
 * Sized so every operation of schema/examples.graphql uses at most half of each limit
 * (test/unit/graphql/limits.test.ts measures them): deepest 8 (CardholdersWithCards), no
 * aliases or directives, at most 81 tokens (CardDetail, CardholdersWithCards), at most 34
 * fields (CardDetail), highest cost 3480 (CardholdersWithCards with its default page sizes,
 * 20 × 10 × 5). The standard introspection query passes too (183 tokens, 67 fields, 75
 * selections, cost 71). Asking CardholdersWithCards for 100 cardholders (cost 17400) is
 * refused: 100 × 10 × 5 = 5000 transactions in one request. `maxIds` is the `nodes(ids:)`
 * cap of one field, now for the whole document: 30 aliases × 100 ids would otherwise be
 * 3000 upstream look-ups.
 */
export const DEFAULT_QUERY_LIMITS: Readonly<QueryLimits> = Object.freeze({
  maxDepth: 16,
  maxAliases: 30,
  maxDirectives: 20,
  maxTokens: 2000,
  maxCost: 10_000,
  maxFields: 150,
  maxSelections: 200,
  maxIds: 100,
});

type LimitName = 'depth' | 'aliases' | 'directives' | 'tokens' | 'cost' | 'fields' | 'selections' | 'ids';

/** The extensions of a limit error (before the error plugin stamps the request id). */
interface LimitErrorExtensions {
  code: ErrorCode.BAD_USER_INPUT;
  retryable: false;
  limit: LimitName;
  max: number;
  actual?: number;
}

function limitError(
  limit: LimitName,
  max: number,
  actual: number | undefined,
  message: string,
  nodes?: ASTNode | readonly ASTNode[],
): GraphQLError {
  const extensions: LimitErrorExtensions = { code: ErrorCode.BAD_USER_INPUT, retryable: false, limit, max };
  if (actual !== undefined) extensions.actual = actual;
  return new GraphQLError(message, { nodes, extensions: { ...extensions } });
}

// ---------------------------------------------------------------------------------------
// tokens

/**
 * Apollo Server's `parseOptions`. graphql 16.15 calls the option `maxLexicalTokens` and keeps
 * `maxTokens` as a deprecated alias; both are set so the limit holds on every graphql 16.x
 * that package.json admits. Over the limit, graphql throws "Syntax Error: Document contains
 * more that N tokens. Parsing aborted.", which Apollo reports as GRAPHQL_PARSE_FAILED (HTTP
 * 400) and `formatError` turns into BAD_USER_INPUT.
 */
export function limitParseOptions(limits: Pick<QueryLimits, 'maxTokens'> = DEFAULT_QUERY_LIMITS): ParseOptions {
  return { maxLexicalTokens: limits.maxTokens, maxTokens: limits.maxTokens };
}

export const PARSE_OPTIONS: Readonly<ParseOptions> = Object.freeze(limitParseOptions());

// ---------------------------------------------------------------------------------------
// depth, aliases, directives

/**
 * Introspection counts one level, whatever it selects: graphql's own MaxIntrospectionDepthRule
 * (one of the specified rules Apollo runs) bounds its recursive lists, and its `ofType` chains
 * end within a few levels. The standard introspection query (graphql 16.15's
 * `getIntrospectionQuery`, used by Apollo Sandbox and codegen) is 15 fields deep.
 */
const INTROSPECTION_ROOTS = new Set(['__schema', '__type']);

/**
 * The deepest field nesting of `selectionSet`: a field adds one level, inline fragments and
 * fragment spreads add none. Each fragment's depth is computed once (a document that spreads
 * one fragment many times costs no more to measure than one that spreads it once), and a
 * fragment already being expanded counts 0 when reached again: cycles are reported by
 * graphql's NoFragmentCyclesRule, this must only terminate. Unknown fragments count 0
 * (KnownFragmentNamesRule reports them).
 */
export function selectionDepth(
  selectionSet: SelectionSetNode,
  getFragment: ValidationContext['getFragment'],
  memo: Map<string, number> = new Map(),
  expanding: Set<string> = new Set(),
): number {
  let deepest = 0;
  for (const selection of selectionSet.selections) {
    let depth = 0;
    if (selection.kind === Kind.FIELD) {
      const nested = selection.selectionSet && !INTROSPECTION_ROOTS.has(selection.name.value);
      depth = 1 + (nested ? selectionDepth(selection.selectionSet!, getFragment, memo, expanding) : 0);
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      depth = selectionDepth(selection.selectionSet, getFragment, memo, expanding);
    } else {
      const name = selection.name.value;
      const known = memo.get(name);
      if (known !== undefined) {
        depth = known;
      } else if (!expanding.has(name)) {
        const fragment = getFragment(name);
        if (fragment) {
          expanding.add(name);
          depth = selectionDepth(fragment.selectionSet, getFragment, memo, expanding);
          expanding.delete(name);
          memo.set(name, depth);
        }
      }
    }
    if (depth > deepest) deepest = depth;
  }
  return deepest;
}

const operationLabel = (operation: OperationDefinitionNode): string =>
  operation.name ? `Operation ${operation.name.value}` : 'The operation';

function depthLimitRule(maxDepth: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    const memo = new Map<string, number>();
    const getFragment = context.getFragment.bind(context);
    return {
      OperationDefinition(operation) {
        const depth = selectionDepth(operation.selectionSet, getFragment, memo);
        if (depth > maxDepth) {
          context.reportError(
            limitError(
              'depth',
              maxDepth,
              depth,
              `${operationLabel(operation)} is nested ${depth} fields deep; the maximum depth is ${maxDepth}.`,
              operation,
            ),
          );
        }
        return false; // measured above, fragments included: nothing more to visit
      },
    };
  };
}

function aliasLimitRule(maxAliases: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    let count = 0;
    let firstOver: ASTNode | undefined;
    return {
      Field(field) {
        if (!field.alias) return;
        count += 1;
        if (count === maxAliases + 1) firstOver = field;
      },
      Document: {
        leave() {
          if (count > maxAliases) {
            context.reportError(
              limitError('aliases', maxAliases, count, `The document uses ${count} aliases; the maximum is ${maxAliases}.`, firstOver),
            );
          }
        },
      },
    };
  };
}

function directiveLimitRule(maxDirectives: number): ValidationRule {
  return (context: ValidationContext): ASTVisitor => {
    let count = 0;
    let firstOver: ASTNode | undefined;
    return {
      Directive(directive) {
        count += 1;
        if (count === maxDirectives + 1) firstOver = directive;
      },
      Document: {
        leave() {
          if (count > maxDirectives) {
            context.reportError(
              limitError(
                'directives',
                maxDirectives,
                count,
                `The document uses ${count} directives; the maximum is ${maxDirectives}.`,
                firstOver,
              ),
            );
          }
        },
      },
    };
  };
}

/** Apollo Server's `validationRules` (they run after graphql's specified rules). */
export function limitRules(
  limits: Pick<QueryLimits, 'maxDepth' | 'maxAliases' | 'maxDirectives'> = DEFAULT_QUERY_LIMITS,
): ValidationRule[] {
  return [depthLimitRule(limits.maxDepth), aliasLimitRule(limits.maxAliases), directiveLimitRule(limits.maxDirectives)];
}

// ---------------------------------------------------------------------------------------
// cost

export interface CostOptions {
  /** Page size assumed for a connection called without `first` (the resolvers' default). */
  defaultFirst?: number;
  /**
   * Selections evaluated at most, fragments expanded (graphql-query-complexity's
   * `maxQueryNodes`). Only a fragment-expansion bomb reaches it under the token limit; it is
   * then refused as over the cost limit.
   */
  maxNodes?: number;
  /**
   * Refuses a connection's `first` with this problem (e.g. `pageSizeProblem`) before the cost
   * is counted, so a page size over the maximum is named as such wherever it is nested,
   * rather than as an operation too costly.
   */
  checkFirst?: (first: unknown) => string | null;
}

const DEFAULT_MAX_NODES = 10_000;

/** A field with a list argument of this name looks up each id it is given (`nodes(ids:)`). */
const ID_LIST_ARGUMENT = 'ids';

/**
 * The cost of a field, for graphql-query-complexity (which sums the costs of the fields of a
 * selection set, takes the most expensive of the possible types of an abstract one, and
 * passes that sum in as `childComplexity`):
 *
 *   scalar or enum field            0
 *   object field (or list of them)  1 + children
 *   connection field                first × (1 + children), `first` defaulting to 20
 *   id-list field (`nodes(ids:)`)   ids × (1 + children), and the ids go to `onIds`
 *
 * A connection is a field with a `first` argument: it fetches up to `first` items, and
 * whatever is selected inside is resolved for each of them, so nested connections multiply
 * (20 cardholders × 10 cards × 5 transactions). Everything inside is multiplied, `pageInfo`
 * too: an upper bound, simple and monotone. `first` below 1 counts as 1 (the resolvers
 * refuse it anyway; it must not lower the estimate of what surrounds it). An id-list field
 * is the same with one look-up per id (an empty list counts as one). Aliases multiply by
 * construction: each aliased field is costed on its own. Other lists are not multiplied:
 * they are bounded by the schema (providers, failures, capabilities).
 */
function costEstimator(
  defaultFirst: number = DEFAULT_PAGE_SIZE,
  onIds?: (count: number) => void,
  checkFirst?: CostOptions['checkFirst'],
): ComplexityEstimator {
  return ({ field, args, childComplexity }) => {
    if (isLeafType(getNamedType(field.type))) return 0;
    const own = 1 + childComplexity;
    const ids: unknown = args[ID_LIST_ARGUMENT];
    if (Array.isArray(ids) && field.args.some((arg) => arg.name === ID_LIST_ARGUMENT)) {
      onIds?.(ids.length);
      return Math.max(1, ids.length) * own;
    }
    if (!field.args.some((arg) => arg.name === 'first')) return own;
    const first: unknown = args.first;
    const problem = first === undefined || first === null ? null : checkFirst?.(first);
    if (problem) throw new GraphQLError(problem, { extensions: { code: ErrorCode.BAD_USER_INPUT } });
    const pages = typeof first === 'number' && Number.isFinite(first) ? Math.max(1, Math.ceil(first)) : defaultFirst;
    return pages * own;
  };
}

const NODE_LIMIT_MESSAGE = 'maximum allowed number of nodes';

/** The selected operation with the fragments it may use, as a document of its own. */
function operationDocument(document: DocumentNode, operation: OperationDefinitionNode): DocumentNode {
  const fragments = document.definitions.filter((d: DefinitionNode) => d.kind === Kind.FRAGMENT_DEFINITION);
  return { kind: Kind.DOCUMENT, definitions: [operation, ...fragments] };
}

/** What an operation would cost, and how many ids it would look up by id. */
export interface OperationPrice {
  /** `Infinity` when it expands to more than `maxNodes` selections (too large to count). */
  cost: number;
  /** Ids of every id-list field (`nodes(ids:)`), across aliases and expanded fragments. */
  ids: number;
}

/**
 * The price of `operation` (one operation of `document`) with `variables`. Throws graphql's
 * GraphQLError when the variables or arguments are invalid.
 */
export function operationPrice(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> = {},
  options: CostOptions = {},
): OperationPrice {
  let ids = 0;
  try {
    const cost = getComplexity({
      schema,
      query: operationDocument(document, operation),
      variables,
      estimators: [costEstimator(options.defaultFirst, (count) => (ids += count), options.checkFirst)],
      maxQueryNodes: options.maxNodes ?? DEFAULT_MAX_NODES,
    });
    return { cost, ids };
  } catch (error) {
    if (error instanceof GraphQLError && error.message.includes(NODE_LIMIT_MESSAGE)) return { cost: Number.POSITIVE_INFINITY, ids };
    throw error;
  }
}

/** The cost of `operation` with `variables`; see `operationPrice`. */
export function operationCost(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> = {},
  options: CostOptions = {},
): number {
  return operationPrice(schema, document, operation, variables, options).cost;
}

export interface CostPluginOptions<TContext extends BaseContext = BaseContext> extends CostOptions {
  maxCost: number;
  /** Ids one operation may look up by id, across aliases (no cap when absent). */
  maxIds?: number;
  /** Called with each operation's cost, admitted or refused (for logs or metrics). */
  onCost?: (cost: number, operationName: string | null) => void;
  /**
   * Charges an admitted operation's cost to whoever asked (the per-viewer upstream budget);
   * throws, typically a GraphQLError coded RATE_LIMITED, to refuse it before execution.
   */
  charge?: (context: TContext, cost: number) => void;
  /** Gives back what `charge` took, for an operation refused before it ran (by `admit`). */
  refund?: (context: TContext, cost: number) => void;
  /**
   * Gives a charged operation its place among those executing (admission.ts): it executes
   * once `ready` settles, or is refused if `ready` rejects; released once its answer is made.
   */
  admit?: (context: TContext, cost: number) => { ready?: Promise<void>; release(): void };
}

/** Thrown from `didResolveOperation`, an error must carry its HTTP status or Apollo answers 500. */
function withStatus400(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    extensions: { ...error.extensions, code: ErrorCode.BAD_USER_INPUT, retryable: false, http: { status: 400 } },
  });
}

/** The error for an operation over `maxCost` (as thrown by `costPlugin`). */
function costError(operation: OperationDefinitionNode, cost: number, maxCost: number, maxNodes = DEFAULT_MAX_NODES): GraphQLError {
  const message = Number.isFinite(cost)
    ? `${operationLabel(operation)} costs ${cost}; the maximum cost is ${maxCost}. ` +
      'Ask for smaller pages (first) or fewer nested connections.'
    : `${operationLabel(operation)} expands to more than ${maxNodes} selections (fragments included); ` +
      `its cost is over the maximum of ${maxCost}.`;
  return withStatus400(limitError('cost', maxCost, Number.isFinite(cost) ? cost : undefined, message, operation));
}

/** The error for an operation looking up more than `maxIds` ids (as thrown by `costPlugin`). */
function idsError(operation: OperationDefinitionNode, ids: number, maxIds: number): GraphQLError {
  const message = `${operationLabel(operation)} looks up ${ids} ids by id (nodes(ids:), all aliases together); the maximum is ${maxIds}.`;
  return withStatus400(limitError('ids', maxIds, ids, message, operation));
}

/**
 * Apollo Server plugin refusing, before execution, an operation whose cost (with the
 * request's variables) exceeds `maxCost` or that looks up more than `maxIds` ids, and
 * charging the cost of what it admits. Needs no schema: it uses the request's. Prices are
 * computed once per document and shape of its variables (price-cache.ts).
 */
export function costPlugin<TContext extends BaseContext = BaseContext>(options: CostPluginOptions<TContext>): ApolloServerPlugin<TContext> {
  const { maxCost, maxIds } = options;
  if (!(maxCost > 0)) throw new RangeError('maxCost must be a positive number');
  const price = priceCache((schema, document, operation, variables) => operationPrice(schema, document, operation, variables, options));
  return {
    async requestDidStart(): Promise<GraphQLRequestListener<TContext>> {
      let admitted: { release(): void } | undefined;
      return {
        async didResolveOperation({ schema, document, operation, operationName, request, contextValue }) {
          // No operation resolved: execution refuses the request without running a resolver.
          if (!operation) return;
          let priced: OperationPrice;
          try {
            priced = price(schema, document, operation, request.variables ?? {});
          } catch (error) {
            // Invalid variables or arguments: execution would refuse them as well.
            if (error instanceof GraphQLError) throw withStatus400(error);
            throw error;
          }
          options.onCost?.(priced.cost, operationName);
          if (maxIds !== undefined && priced.ids > maxIds) throw idsError(operation, priced.ids, maxIds);
          if (priced.cost > maxCost) throw costError(operation, priced.cost, maxCost, options.maxNodes);
          options.charge?.(contextValue, priced.cost);
          if (!options.admit) return;
          try {
            const ticket = options.admit(contextValue, priced.cost);
            admitted = ticket;
            if (ticket.ready) await ticket.ready;
          } catch (refused) {
            // Nothing ran: the viewer's budget gets the cost back.
            options.refund?.(contextValue, priced.cost);
            throw refused;
          }
        },
        // Every answer passes here, refused or executed: the place is given back (or left).
        async willSendResponse() {
          admitted?.release();
        },
      };
    },
  };
}
