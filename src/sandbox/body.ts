/**
 * Reading request bodies, for every simulator: each provider turns a body that is missing,
 * not JSON or not an object into its own documented error; the reading itself is the same.
 */
import type { SandboxRequest } from './server.js';

/** A JSON object as a route reads it. */
export type JsonObject = Record<string, unknown>;

/** Why a body is not a JSON object: nothing was sent, it is not JSON, or it is JSON of another kind. */
export type BodyProblem = 'empty' | 'malformed' | 'not-object';

/** The body as a JSON object, or what is wrong with it. */
export function readJsonObject(req: SandboxRequest): JsonObject | BodyProblem {
  if (req.body.length === 0) return 'empty';
  const parsed = jsonBody(req);
  if (parsed === undefined) return 'malformed';
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return 'not-object';
  return parsed as JsonObject;
}

/** JSON body of a request, or undefined when it is empty or not JSON. */
export function jsonBody(req: SandboxRequest): unknown {
  if (req.body.length === 0) return undefined;
  try {
    return JSON.parse(req.body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/** A string with something besides white space in it, at most `maxLength` characters long. */
export function isNonEmptyString(value: unknown, maxLength = Number.POSITIVE_INFINITY): value is string {
  return typeof value === 'string' && value.trim() !== '' && value.length <= maxLength;
}
