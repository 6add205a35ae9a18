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
 * A request's call context. A class, its accessor on the prototype: as an object literal with
 * `get log()`, V8 kept each request's memo of upstream reads alive until the next full
 * collection (ARCHITECTURE.md, Per-request objects).
 */
class RequestCallContext implements CallContext {
  private logger: Logger | undefined;

  constructor(
    readonly requestId: string,
    private readonly parent: Logger,
    private readonly bindings: Record<string, string> | undefined,
    readonly signal: AbortSignal | undefined,
    readonly trace: Context | undefined,
    readonly viewerKey: string | undefined,
    private readonly cache: Map<string, Promise<unknown>>,
  ) {
    if (!bindings) this.logger = parent;
  }

  get log(): Logger {
    return (this.logger ??= this.parent.child(this.bindings!));
  }

  logs(level: 'debug' | 'info'): boolean {
    return (this.logger ?? this.parent).isLevelEnabled(level);
  }

  memo<T>(key: string, load: () => Promise<T>): Promise<T> {
    let hit = this.cache.get(key) as Promise<T> | undefined;
    if (!hit) {
      hit = load();
      this.cache.set(key, hit);
      // A failed read is not cached: a later resolver may try again.
      hit.catch(() => this.cache.delete(key));
    }
    return hit;
  }

  /** The same request's context with another signal or trace: same logger, same memo. */
  with(changes: { signal?: AbortSignal; trace?: Context }): RequestCallContext {
    const derived = new RequestCallContext(
      this.requestId,
      this.parent,
      this.bindings,
      'signal' in changes ? changes.signal : this.signal,
      'trace' in changes ? changes.trace : this.trace,
      this.viewerKey,
      this.cache,
    );
    derived.logger = this.logger;
    return derived;
  }
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
  const [parent, bindings] = 'parent' in log ? [log.parent, log.bindings] : [log, undefined];
  return new RequestCallContext(requestId, parent, bindings, signal, trace, viewerKey, new Map());
}

/**
 * `cx` with another abort signal (`undefined`: none) or trace context, sharing its request id,
 * logger, viewer and memo. A context made elsewhere (a test's literal) is copied as it is.
 */
export function deriveCallContext(cx: CallContext, changes: { signal?: AbortSignal; trace?: Context }): CallContext {
  return cx instanceof RequestCallContext ? cx.with(changes) : { ...cx, ...changes };
}
