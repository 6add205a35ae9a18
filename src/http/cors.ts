/**
 * Cross-origin calls from browsers. A web app on another origin may call `/graphql` and
 * `/reveal` when its origin is allowed: exact origins from `CORS_ORIGINS`, or, in development
 * with `CORS_ORIGINS` unset, any localhost / 127.0.0.1 / [::1] origin on any port (so a dev
 * server on :3000 or :5173 works at once). `*` is refused in production: a card API answers
 * the origins it knows. Credentials mode (cookies) is off unless `CORS_CREDENTIALS=true`:
 * clients authenticate with a bearer token, which needs no cookies.
 *
 * The middleware runs before authentication, so a browser's preflight (`OPTIONS`, which never
 * carries the Authorization header) is answered 204 without a token — with the allow headers
 * for an allowed origin, without them (the browser then blocks the call) for any other.
 */
import cors from 'cors';
import vary from 'vary';
import { ConfigError, type Reader } from '../core/env.js';
import type { Step } from './exchange.js';

export interface CorsSettings {
  /** Exact origins allowed, e.g. `https://app.example.com`; `*` allows any (not in production). */
  origins: string[];
  /** Development default: any localhost origin, whatever its port. */
  allowLocalhost: boolean;
  /** `Access-Control-Allow-Credentials: true` (cookies, client certificates). */
  credentials: boolean;
}

/** Request headers a browser may send (besides the CORS-safelisted ones). */
export const CORS_ALLOWED_HEADERS = [
  'authorization',
  'content-type',
  'apollo-require-preflight',
  'x-apollo-operation-name',
  'x-request-id',
  'traceparent',
  'tracestate',
];

/** Response headers scripts may read: the request id to quote, when to retry. */
const CORS_EXPOSED_HEADERS = ['x-request-id', 'retry-after'];

/** How long a browser may reuse a preflight answer (Chromium caps it at 2 hours). */
export const CORS_MAX_AGE_SECONDS = 600;

const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?$|^https?:\/\/\[[0-9A-Fa-f:]+\](:\d{1,5})?$/;
const LOCALHOST = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d{1,5})?$/;

export function corsSettingsFromEnv(read: Reader, production: boolean): CorsSettings {
  const origins = read.list('CORS_ORIGINS', /^(\*|https?:\/\/\S+)$/).map((o) => o.replace(/\/$/, ''));
  const bad = origins.find((o) => o !== '*' && !ORIGIN.test(o));
  if (bad) throw new ConfigError('CORS_ORIGINS', `has "${bad.slice(0, 80)}": give origins only (scheme://host[:port]), no path`);
  const credentials = read.bool('CORS_CREDENTIALS', false);
  if (origins.includes('*')) {
    if (production) throw new ConfigError('CORS_ORIGINS', 'may not be "*" when NODE_ENV=production: list the exact origins of your web apps');
    if (credentials) throw new ConfigError('CORS_CREDENTIALS', 'cannot be true with CORS_ORIGINS="*" (browsers refuse credentials for any origin)');
  }
  return { origins, allowLocalhost: !production && origins.length === 0, credentials };
}

/** Whether a browser page of `origin` may call the API (also decides WebSocket upgrades, http/ws-subscriptions.ts). */
export function isAllowedOrigin(settings: CorsSettings, origin: string): boolean {
  return settings.origins.includes('*') || settings.origins.includes(origin) || (settings.allowLocalhost && LOCALHOST.test(origin));
}

export function corsStep(settings: CorsSettings): Step {
  const policy = cors({
    origin: (origin, done) => {
      if (origin === undefined) return done(null, false);
      if (settings.origins.includes('*')) return done(null, '*');
      done(null, isAllowedOrigin(settings, origin) ? origin : false);
    },
    methods: ['GET', 'POST', 'OPTIONS'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    exposedHeaders: CORS_EXPOSED_HEADERS,
    credentials: settings.credentials,
    maxAge: CORS_MAX_AGE_SECONDS,
    optionsSuccessStatus: 204,
  });
  return ({ req, res }, next) => {
    // No Origin: not a browser's cross-origin call (servers, mobile apps, same-origin pages);
    // there is no policy to apply, so the cors library is not asked (issue 14).
    if (req.headers.origin === undefined && req.method !== 'OPTIONS') {
      vary(res, 'Origin');
      return next();
    }
    policy(req, res, (error?: unknown) => {
      if (error) return next(error);
      // Not an allowed origin (or no Origin at all): still answer a preflight here, before
      // authentication, just without permission — the browser blocks the real request.
      vary(res, 'Origin');
      if (req.method === 'OPTIONS') {
        res.statusCode = 204;
        res.end();
        return;
      }
      next();
    });
  };
}
