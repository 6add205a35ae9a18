/**
 * What a provider operation receives from the request that caused it: the gateway's request
 * id (sent upstream and logged), an abort signal carrying the request's deadline, a logger,
 * a request-scoped memo so two resolvers needing the same upstream read share one call, and
 * the trace context its spans are children of (passed along explicitly: no async context).
 */
import type { Context } from '@opentelemetry/api';
import type { Logger } from './logger.js';

export interface CallContext {
  requestId: string;
  signal?: AbortSignal;
  /** The request's logger, made when first used (a child logger costs a few µs per request). */
  readonly log: Logger;
  /** Whether a line at `level` would be written: asks without making the logger. */
  logs(level: 'debug' | 'info'): boolean;
  /** The span upstream work is done under (the request's, then the provider operation's); none when untraced. */
  trace?: Context;
  /**
   * The viewer (`tenant:subject`) the call is made for, whose fair share of each provider's
   * concurrency its reads count against (gateway/fair-share.ts); none for the gateway's own work.
   */
  viewerKey?: string;
  memo<T>(key: string, load: () => Promise<T>): Promise<T>;
}

/**
 * `log` is the logger itself, or the parent logger and the bindings of the request's child
 * logger, which is then made when a line is first written.
 */
export function createCallContext(
  requestId: string,
  log: Logger | { parent: Logger; bindings: Record<string, string> },
  signal?: AbortSignal,
  trace?: Context,
  viewerKey?: string,
): CallContext {
  const cache = new Map<string, Promise<unknown>>();
  const [parent, bindings] = 'parent' in log ? [log.parent, log.bindings] : [log, undefined];
  let logger = bindings ? undefined : (log as Logger);
  return {
    requestId,
    signal,
    get log() {
      return (logger ??= parent.child(bindings!));
    },
    logs: (level) => (logger ?? parent).isLevelEnabled(level),
    trace,
    viewerKey,
    memo<T>(key: string, load: () => Promise<T>): Promise<T> {
      let hit = cache.get(key) as Promise<T> | undefined;
      if (!hit) {
        hit = load();
        cache.set(key, hit);
        // A failed read is not cached: a later resolver may try again.
        hit.catch(() => cache.delete(key));
      }
      return hit;
    },
  };
}
