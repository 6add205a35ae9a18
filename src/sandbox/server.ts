/**
 * The shared mechanics of every provider simulator: a real HTTP(S) server with a small
 * router, per-route fault injection, and a log of the requests it received so tests can
 * count upstream calls. Each provider's `sandbox/` folder supplies only its
 * state, seeding and routes.
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';

/** A request as a route handler sees it: the body is the exact bytes received. */
export interface SandboxRequest {
  method: string;
  /** Path without the query string, e.g. `/v1/cards/card_1`. */
  path: string;
  /** Path with the query string exactly as received, e.g. `/v1/cards?limit=20`. */
  rawUrl: string;
  query: URLSearchParams;
  params: Record<string, string>;
  headers: http.IncomingHttpHeaders;
  /** The raw header list as received, in pairs (to count header lines). */
  rawHeaders: string[];
  body: Buffer;
  /** The TLS peer certificate, when the server is HTTPS and the client sent one. */
  socket: http.IncomingMessage['socket'];
}

export interface SandboxResponse {
  status: number;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer is sent as is. */
  body?: unknown;
}

export type RouteHandler = (req: SandboxRequest) => SandboxResponse | Promise<SandboxResponse>;

export interface Route {
  method: string;
  /** A path pattern with `:name` segments, e.g. `/v1/cards/:id`. */
  pattern: string;
  handler: RouteHandler;
}

/**
 * A fault applies to requests matching `method` and `path` (a route pattern or exact path;
 * both optional = every request). It fires `times` times (default: until cleared).
 */
export interface Fault {
  method?: string;
  path?: string;
  /** Added before the response (or before the drop). */
  latencyMs?: number;
  /** Answer with this status instead of calling the route. */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Destroy the socket without answering (a dropped connection). */
  drop?: boolean;
  /** Run the route (so its effects happen) and then drop the connection. */
  dropAfterHandling?: boolean;
  times?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  rawUrl: string;
  route: string | null;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  at: number;
}

export interface SandboxServerOptions {
  name: string;
  routes: Route[];
  /** Serve HTTPS with these options (e.g. `requestCert` for mTLS). */
  tls?: https.ServerOptions;
  /** Latency added to every request, e.g. for the benchmark. */
  baseLatencyMs?: number;
  /**
   * Called before the route for every request that is not faulted: answer here to reject
   * (authentication, envelopes); return undefined to continue.
   */
  authenticate?: (req: SandboxRequest) => SandboxResponse | undefined | Promise<SandboxResponse | undefined>;
  /** Answer for unmatched paths/methods; defaults to a plain 404 JSON body. */
  notFound?: (req: SandboxRequest) => SandboxResponse;
  /** Headers added to every response (e.g. a request id). */
  responseHeaders?: (req: SandboxRequest) => Record<string, string>;
}

interface CompiledRoute extends Route {
  regex: RegExp;
  names: string[];
}

function compile(pattern: string): { regex: RegExp; names: string[] } {
  const names: string[] = [];
  const source = pattern
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) {
        names.push(segment.slice(1));
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { regex: new RegExp(`^${source}$`), names };
}

/** The request log keeps the latest entries only, so a long-running sandbox stays bounded. */
const MAX_RECORDED_REQUESTS = 5_000;

export class SandboxServer {
  readonly name: string;
  readonly requests: RecordedRequest[] = [];
  /** Every request received since the last reset, including those the log no longer holds. */
  totalRequests = 0;
  private readonly routes: CompiledRoute[];
  private readonly faults: Fault[] = [];
  private readonly server: http.Server | https.Server;
  private readonly sockets = new Set<import('node:net').Socket>();
  baseLatencyMs: number;
  /**
   * Development-only knob for measuring large answers (the benchmark's `large-answers` run):
   * every successful JSON object answer carries a `sandboxPadding` string of this many bytes,
   * which no mapping reads. 0 (the default) adds nothing.
   */
  answerPaddingBytes = 0;
  private padding = '';
  private url: string | undefined;

  constructor(private readonly options: SandboxServerOptions) {
    this.name = options.name;
    this.baseLatencyMs = options.baseLatencyMs ?? 0;
    this.routes = options.routes.map((r) => ({ ...r, ...compile(r.pattern) }));
    const listener = (req: http.IncomingMessage, res: http.ServerResponse) => {
      this.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.writeHead(500, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ error: `sandbox ${this.name} failed: ${(err as Error).message}` }));
        } else {
          res.destroy();
        }
      });
    };
    this.server = options.tls ? https.createServer(options.tls, listener) : http.createServer(listener);
    this.server.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
    });
    // TLS handshakes that fail (no client certificate) must not crash the simulator.
    this.server.on('tlsClientError', () => undefined);
  }

  /** Listens on an ephemeral loopback port (or `port`) and resolves to the base URL. */
  async start(port = 0): Promise<string> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    this.url = `${this.options.tls ? 'https' : 'http'}://127.0.0.1:${address.port}`;
    return this.url;
  }

  get baseUrl(): string {
    if (!this.url) throw new Error(`sandbox ${this.name} is not started`);
    return this.url;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Adds a fault; returns a function that removes it. */
  inject(fault: Fault): () => void {
    const entry = { ...fault };
    this.faults.push(entry);
    return () => {
      const i = this.faults.indexOf(entry);
      if (i >= 0) this.faults.splice(i, 1);
    };
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  resetRequests(): void {
    this.requests.length = 0;
    this.totalRequests = 0;
  }

  /** Requests received for a method and route pattern (or exact path), e.g. `GET /v1/cards/:id`. */
  count(method?: string, route?: string): number {
    return this.requests.filter(
      (r) => (!method || r.method === method) && (!route || r.route === route || r.path === route),
    ).length;
  }

  private match(method: string, path: string): { route: CompiledRoute; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.regex.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      try {
        route.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1] ?? '')));
      } catch {
        return undefined; // a malformed percent-encoding matches no route: 404, not 500
      }
      return { route, params };
    }
    return undefined;
  }

  private takeFault(method: string, path: string, routePattern: string | null): Fault | undefined {
    const fault = this.faults.find(
      (f) =>
        (!f.method || f.method === method) &&
        (!f.path || f.path === path || f.path === routePattern),
    );
    if (!fault) return undefined;
    if (fault.times !== undefined) {
      fault.times -= 1;
      if (fault.times <= 0) this.faults.splice(this.faults.indexOf(fault), 1);
    }
    return fault;
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks);
    const rawUrl = req.url ?? '/';
    const url = new URL(rawUrl, 'http://sandbox');
    const method = (req.method ?? 'GET').toUpperCase();
    const matched = this.match(method, url.pathname);
    const routePattern = matched?.route.pattern ?? null;
    this.totalRequests += 1;
    this.requests.push({ method, path: url.pathname, rawUrl, route: routePattern, headers: req.headers, body, at: Date.now() });
    if (this.requests.length > MAX_RECORDED_REQUESTS) this.requests.splice(0, this.requests.length - MAX_RECORDED_REQUESTS);

    const sreq: SandboxRequest = {
      method,
      path: url.pathname,
      rawUrl,
      query: url.searchParams,
      params: matched?.params ?? {},
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body,
      socket: req.socket,
    };

    const fault = this.takeFault(method, url.pathname, routePattern);
    const latency = this.baseLatencyMs + (fault?.latencyMs ?? 0);
    if (latency > 0) await new Promise((r) => setTimeout(r, latency));
    if (fault?.drop) {
      req.socket.destroy();
      return;
    }
    if (fault?.status !== undefined) {
      this.send(res, sreq, { status: fault.status, headers: fault.headers, body: fault.body ?? '' });
      return;
    }

    const rejection = await this.options.authenticate?.(sreq);
    let response: SandboxResponse;
    if (rejection) {
      response = rejection;
    } else if (!matched) {
      response = this.options.notFound?.(sreq) ?? { status: 404, body: { error: 'Not found' } };
    } else {
      response = await matched.route.handler(sreq);
    }
    if (fault?.dropAfterHandling) {
      req.socket.destroy();
      return;
    }
    this.send(res, sreq, { ...response, headers: { ...response.headers, ...fault?.headers } });
  }

  /** The answer's body with `answerPaddingBytes` of padding, when it is a successful JSON object. */
  private padded(response: SandboxResponse): unknown {
    const body = response.body;
    if (this.answerPaddingBytes <= 0 || response.status >= 300 || typeof body !== 'object' || body === null || Array.isArray(body)) return body;
    if (this.padding.length !== this.answerPaddingBytes) this.padding = 'x'.repeat(this.answerPaddingBytes);
    return { ...body, sandboxPadding: this.padding };
  }

  private send(res: http.ServerResponse, req: SandboxRequest, response: SandboxResponse): void {
    const headers: Record<string, string> = {
      'x-request-id': randomUUID(),
      ...this.options.responseHeaders?.(req),
      ...response.headers,
    };
    let payload: Buffer;
    if (response.body === undefined || response.body === null) {
      payload = Buffer.alloc(0);
    } else if (Buffer.isBuffer(response.body)) {
      payload = response.body;
    } else if (typeof response.body === 'string') {
      payload = Buffer.from(response.body);
    } else {
      payload = Buffer.from(JSON.stringify(this.padded(response)));
      headers['content-type'] ??= 'application/json';
    }
    headers['content-length'] = String(payload.length);
    res.writeHead(response.status, headers);
    res.end(payload);
  }
}

/** The first value of a request header (names are lower-case). */
export function header(req: SandboxRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}
