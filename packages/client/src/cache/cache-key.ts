import * as crypto from 'node:crypto';
import type { NormalizedEmbedRequest, NormalizedGenerateRequest, Target } from '../types.js';
import { scopeOf } from './cache-policy.js';
import { canonicalize, canonicalizeFields } from './canonical.js';

/**
 * Version of the key derivation. Bump it when the canonical form or the stored value format changes, so
 * old entries in a shared Redis are never read back by a new client (they expire on their TTL).
 */
export const CACHE_KEY_VERSION = 1;

export interface CacheKeyOptions {
  /** Prefix of every key, so one Redis can hold several applications. @default 'genai:' */
  readonly prefix?: string;
  /** Tenant or application scope: entries of one namespace are never served to another. @default - none */
  readonly namespace?: string;
  /** Key derivation version. @default CACHE_KEY_VERSION */
  readonly version?: number;
}

/**
 * Fields that never change the answer. Everything else on the request is hashed: a field added to the
 * request type later is part of the key without anyone remembering to add it (litellm #42400 is the
 * opposite failure). Over-keying costs a hit; under-keying serves a wrong answer.
 */
const NOT_IN_KEY = new Set(['signal', 'cache', 'deadlineMs', 'route', 'model', 'targets', 'input']);

function answerFields(req: object): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(req)) if (!NOT_IN_KEY.has(k)) out[k] = (req as Record<string, unknown>)[k];
  return out;
}

/**
 * The route's targets in order (a fallback may answer, so every target can change the answer). The route
 * name and the model address are left out: a route and the address it resolves to share entries.
 */
function targetsPart(targets: readonly Target[]): unknown[] {
  return targets.map((t) => [t.provider, t.model, t.region]);
}

/**
 * SHA-256 as base64url: the one-shot `crypto.hash` (Node >= 20.12; ~4x cheaper for short inputs), else a Hash.
 */
const sha256: (data: string) => string =
  typeof crypto.hash === 'function'
    ? (data) => crypto.hash('sha256', data, 'base64url')
    : (data) => crypto.createHash('sha256').update(data).digest('base64url');

/** Canonical form of each targets list (route.ts resolves a model or route to the same frozen array each time). */
const canonicalTargets = new WeakMap<readonly Target[], string>();

function keyPrefix(kind: 'g' | 'e', options: CacheKeyOptions): string {
  const ns = options.namespace === undefined ? '_' : encodeURIComponent(options.namespace);
  return `${options.prefix ?? 'genai:'}v${options.version ?? CACHE_KEY_VERSION}:${ns}:${kind}:`;
}

/**
 * Cache key of a generate or stream request: `<prefix>v<version>:<namespace>:g:<sha256 base64url>` over the
 * canonical form of the targets and every answer-changing field (messages, system, sampling parameters,
 * stop, tools and response format when present, providerOptions), and the per-call scope (`cache.scope`)
 * when there is one. Generate and stream share keys: the same request gives the same answer either way.
 * The scope is only hashed (never in the readable prefix), and an unscoped request's key is what it was
 * before scopes existed (an undefined field is dropped by the canonical form).
 */
export function generateCacheKey(req: NormalizedGenerateRequest, options: CacheKeyOptions = {}): string {
  let targets = canonicalTargets.get(req.targets);
  if (targets === undefined) {
    targets = canonicalize(targetsPart(req.targets));
    canonicalTargets.set(req.targets, targets);
  }
  const ns = options.namespace;
  const scope = scopeOf(req.cache);
  // canonicalize({ op, v, ns, scope, targets, req: answerFields(req) }) written directly: same string (keys in
  // code-unit order, undefined fields dropped), without copying the request.
  const body =
    (ns === undefined ? '{' : `{"ns":${canonicalize(ns)},`) +
    `"op":"generate","req":${canonicalizeFields(req, NOT_IN_KEY)},` +
    (scope === undefined ? '' : `"scope":${canonicalize(scope)},`) +
    `"targets":${targets},"v":${canonicalize(options.version ?? CACHE_KEY_VERSION)}}`;
  return keyPrefix('g', options) + sha256(body);
}

/** The part of an embedding key shared by every text of one request; pass it to `embedTextCacheKey`. */
export function embedKeyBase(req: NormalizedEmbedRequest, options: CacheKeyOptions = {}): string {
  const fields = answerFields(req);
  // 'document' is the documented default: a call that omits it gets the same vectors as one that says so.
  fields['inputType'] = req.inputType ?? 'document';
  return canonicalize({
    op: 'embed',
    v: options.version ?? CACHE_KEY_VERSION,
    ns: options.namespace,
    scope: scopeOf(req.cache),
    targets: targetsPart(req.targets),
    req: fields,
  });
}

/** Per-text embedding key, so that a call with some texts already cached only sends the others. */
export function embedTextCacheKey(base: string, text: string, options: CacheKeyOptions = {}): string {
  return (
    keyPrefix('e', options) +
    crypto.createHash('sha256').update(base).update('\u0000').update(text).digest('base64url')
  );
}
