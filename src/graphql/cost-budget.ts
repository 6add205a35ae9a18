/**
 * Each viewer's upstream budget: a token bucket (per tenant and subject) charged with the cost
 * of every document it admits, before the document executes. The request rate limit counts
 * requests; this counts work, so a viewer sending the most expensive documents the limits
 * admit runs out after a few of them, while one reading cards by id barely notices it.
 * Refused: RATE_LIMITED, HTTP 429 with Retry-After, nothing sent upstream.
 */
import { HeaderMap } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { ErrorCode, extensionsOf, GatewayError } from '../core/errors.js';
import { RateLimiter } from '../gateway/rate-limiter.js';
import { viewerKey } from '../core/viewer.js';
import type { GraphQLContext } from '../context.js';

export interface CostBudgetOptions {
  /** Cost restored per second. */
  perSecond: number;
  /** The most a viewer can spend at once; at least the largest admitted document's cost. */
  burst: number;
}

/** The budget's two sides as `costPlugin` takes them. */
export interface CostBudget {
  /** Takes the cost from the viewer's bucket or refuses the document. */
  charge(context: GraphQLContext, cost: number): void;
  /** Gives a charged cost back: the document was refused before it ran (admission control). */
  refund(context: GraphQLContext, cost: number): void;
}

export function costBudget(options: CostBudgetOptions): CostBudget {
  const buckets = new RateLimiter({ capacity: options.burst, refillPerSecond: options.perSecond });
  const charge = (context: GraphQLContext, cost: number) => {
    if (!(cost > 0)) return;
    const taken = buckets.take(viewerKey(context.viewer), Math.min(cost, options.burst));
    if (taken.allowed) return;
    const wait = taken.retryAfterSeconds;
    const error = new GatewayError(
      ErrorCode.RATE_LIMITED,
      `This document costs ${cost} and your upstream budget holds less; retry after ${wait} second${wait === 1 ? '' : 's'} or ask for less`,
      { retryAfterSeconds: wait, details: { limit: 'costBudget', cost } },
    );
    throw refusalError(error, context.requestId, 429);
  };
  return { charge, refund: (context, cost) => buckets.give(viewerKey(context.viewer), Math.min(cost, options.burst)) };
}

/**
 * A refusal thrown from an Apollo plugin before execution, as a client sees it: the typed
 * error's extensions with the request id, and its HTTP status with Retry-After (Apollo answers
 * 500 to an error thrown there without a status).
 */
export function refusalError(error: GatewayError, requestId: string, status: number): GraphQLError {
  const headers = new HeaderMap(error.retryAfterSeconds === undefined ? [] : [['retry-after', String(error.retryAfterSeconds)]]);
  return new GraphQLError(error.message, { extensions: { ...extensionsOf(error, requestId), http: { status, headers } } });
}
