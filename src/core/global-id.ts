/**
 * Opaque global ids: base64url("<provider>:<type>:<upstreamId>"). The upstream id may itself
 * contain colons (it is everything after the second one). Decoding validates every part, so
 * a forged or truncated id is a BAD_USER_INPUT, never a crash or an upstream call.
 */
import { base64urlOfText } from './base64url.js';
import { badInput } from './errors.js';
import { isProviderKey, type ProviderKey } from './provider-key.js';

const NODE_TYPES = ['Cardholder', 'Card', 'Wallet', 'Transaction', 'Operation'] as const;
export type NodeType = (typeof NODE_TYPES)[number];

export interface GlobalId {
  provider: ProviderKey;
  type: NodeType;
  ref: string;
}

const MAX_ID_LENGTH = 512;

export function encodeGlobalId(provider: ProviderKey, type: NodeType, ref: string): string {
  return base64urlOfText(`${provider}:${type}:${ref}`);
}

export function decodeGlobalId(id: string, expected?: NodeType): GlobalId {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH || !/^[A-Za-z0-9_-]+$/.test(id)) {
    // Never echo arbitrary input back: only a well-formed token is quoted in messages.
    throw badInput('The value given as an id is not an id of this API (ids are opaque base64url strings)');
  }
  const text = Buffer.from(id, 'base64url').toString('utf8');
  const first = text.indexOf(':');
  const second = text.indexOf(':', first + 1);
  const provider = text.slice(0, first);
  const type = text.slice(first + 1, second);
  const ref = text.slice(second + 1);
  if (first < 0 || second < 0 || !isProviderKey(provider) || !(NODE_TYPES as readonly string[]).includes(type) || ref.length === 0) {
    throw badInput(`"${truncate(id)}" is not a valid id`);
  }
  if (expected && type !== expected) {
    throw badInput(`"${truncate(id)}" is the id of a ${type}, not of a ${expected}`);
  }
  return { provider, type: type as NodeType, ref };
}

function truncate(value: unknown): string {
  const s = String(value);
  return s.length > 64 ? `${s.slice(0, 64)}…` : s;
}
