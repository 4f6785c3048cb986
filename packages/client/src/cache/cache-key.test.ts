import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Message, NormalizedEmbedRequest, NormalizedGenerateRequest, Target } from '../types.js';
import { embedKeyBase, embedTextCacheKey, generateCacheKey } from './cache-key.js';
import { canonicalize } from './canonical.js';

const target = (provider: Target['provider'], model: string, region?: string): Target => ({
  provider,
  model,
  ...(region ? { region } : {}),
  id: `${provider}/${model}${region ? `@${region}` : ''}`,
});

const base: NormalizedGenerateRequest = {
  model: 'vertex/gemini-2.0-flash',
  targets: [target('vertex', 'gemini-2.0-flash')],
  messages: [{ role: 'user', content: 'hello' }],
  temperature: 0,
};

/** Reverses the key order of every object, recursively: same meaning, different JSON. */
function reorder(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(reorder);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .reverse()
        .map(([k, v]) => [k, reorder(v)]),
    );
  }
  return value;
}

const json = fc.jsonValue({ maxDepth: 3 });
const requestArb = fc.record(
  {
    messages: fc.array(
      fc.record({ role: fc.constantFrom('user' as const, 'assistant' as const), content: fc.string() }),
      { minLength: 1, maxLength: 3 },
    ),
    system: fc.string(),
    maxTokens: fc.integer({ min: 1, max: 4096 }),
    temperature: fc.double({ min: 0, max: 2, noNaN: true }),
    topP: fc.double({ min: 0, max: 1, noNaN: true }),
    stop: fc.array(fc.string(), { maxLength: 3 }),
    providerOptions: fc.dictionary(fc.string(), json, { maxKeys: 4 }),
  },
  { requiredKeys: ['messages'] },
);

describe('canonicalize', () => {
  it('ignores key order at every depth and drops undefined', () => {
    fc.assert(
      fc.property(json, (v) => {
        expect(canonicalize(reorder(v))).toBe(canonicalize(v));
      }),
    );
    expect(canonicalize({ a: 1, b: undefined })).toBe(canonicalize({ a: 1 }));
  });

  it('normalizes numbers: -0 is 0, 1.0 is 1, non-finite numbers stay distinct from null', () => {
    expect(canonicalize(-0)).toBe(canonicalize(0));
    expect(canonicalize(1.0)).toBe(canonicalize(1));
    const special = [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, null, 'NaN'].map(
      canonicalize,
    );
    expect(new Set(special).size).toBe(special.length);
  });

  it('is injective on JSON values: different values give different strings', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        if (JSON.stringify(sortDeep(a)) !== JSON.stringify(sortDeep(b))) {
          expect(canonicalize(a)).not.toBe(canonicalize(b));
        }
      }),
    );
  });

  it('rejects cycles with a clear error', () => {
    const a: Record<string, unknown> = {};
    a['self'] = a;
    expect(() => canonicalize(a)).toThrow(/cycle/);
  });
});

function sortDeep(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortDeep((v as Record<string, unknown>)[k])]),
    );
  }
  return Object.is(v, -0) ? 0 : v;
}

describe('generateCacheKey', () => {
  it('is a sha256 base64url digest under a readable prefix', () => {
    expect(generateCacheKey(base)).toMatch(/^genai:v1:_:g:[A-Za-z0-9_-]{43}$/);
    expect(generateCacheKey(base, { prefix: 'app:', namespace: 'tenant a' })).toMatch(
      /^app:v1:tenant%20a:g:[A-Za-z0-9_-]{43}$/,
    );
  });

  it('is the SHA-256 of the canonical body { op, v, ns, scope, targets, req } (property; keys stored in Redis stay valid)', () => {
    // The reference derivation: the key body written directly by generateCacheKey must stay this string.
    const NOT_IN_KEY = new Set(['signal', 'cache', 'deadlineMs', 'route', 'model', 'targets', 'input']);
    const reference = (req: NormalizedGenerateRequest, namespace?: string) => {
      const scope = typeof req.cache === 'object' ? req.cache.scope : undefined;
      const body = canonicalize({
        op: 'generate',
        v: 1,
        ns: namespace,
        scope,
        targets: req.targets.map((t) => [t.provider, t.model, t.region]),
        req: Object.fromEntries(Object.entries(req).filter(([k]) => !NOT_IN_KEY.has(k))),
      });
      return `genai:v1:${namespace === undefined ? '_' : encodeURIComponent(namespace)}:g:${createHash('sha256').update(body).digest('base64url')}`;
    };
    fc.assert(
      fc.property(
        requestArb,
        fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }),
        fc.option(fc.string(), { nil: undefined }),
        (fields, scope, namespace) => {
          const req = {
            ...base,
            ...fields,
            ...(scope !== undefined ? { cache: { scope } } : {}),
          } as NormalizedGenerateRequest;
          expect(generateCacheKey(req, namespace === undefined ? {} : { namespace })).toBe(
            reference(req, namespace),
          );
        },
      ),
      { numRuns: 300 },
    );
    // A fixed key, so a change of derivation cannot pass unnoticed (bump CACHE_KEY_VERSION instead).
    expect(generateCacheKey(base)).toBe(reference(base));
    // Computed by the derivation released before this one: entries already in Redis keep their keys.
    expect(generateCacheKey(base)).toBe('genai:v1:_:g:NSm6ps-UY8z_udz_LaXojEVRLBiP6C7os677IBrLKxk');
  });

  it('does not depend on key order anywhere in the request (property)', () => {
    fc.assert(
      fc.property(requestArb, (fields) => {
        const req = { ...base, ...fields } as NormalizedGenerateRequest;
        expect(generateCacheKey(reorder(req) as NormalizedGenerateRequest)).toBe(generateCacheKey(req));
      }),
    );
  });

  it('changes when any answer-changing field changes (property)', () => {
    const variants: [
      string,
      (r: NormalizedGenerateRequest, s: string, n: number) => NormalizedGenerateRequest,
    ][] = [
      ['messages', (r, s) => ({ ...r, messages: [...r.messages, { role: 'user', content: s }] })],
      [
        'message role',
        (r) => ({
          ...r,
          messages: r.messages.map((m, i) =>
            i === 0 ? ({ role: m.role === 'user' ? 'assistant' : 'user', content: m.content } as Message) : m,
          ),
        }),
      ],
      ['system', (r, s) => ({ ...r, system: `${r.system ?? ''}!${s}` })],
      ['maxTokens', (r, _s, n) => ({ ...r, maxTokens: (r.maxTokens ?? 0) + n + 1 })],
      ['temperature', (r, _s, n) => ({ ...r, temperature: (r.temperature ?? 0) + (n + 1) / 1000 })],
      ['topP', (r, _s, n) => ({ ...r, topP: (r.topP ?? 2) + (n + 1) / 1000 })],
      ['stop', (r, s) => ({ ...r, stop: [...(r.stop ?? []), `${s}#`] })],
      ['providerOptions', (r, s) => ({ ...r, providerOptions: { ...r.providerOptions, [`k${s}`]: 1 } })],
      ['tools', (r, s) => ({ ...r, tools: [{ name: `t${s}`, parameters: { type: 'object' } }] })],
      ['toolChoice', (r) => ({ ...r, toolChoice: 'required' })],
      [
        'image',
        (r, s) => ({
          ...r,
          messages: [
            ...r.messages,
            {
              role: 'user',
              content: [{ type: 'image', mediaType: 'image/png', data: Buffer.from(s).toString('base64') }],
            },
          ],
        }),
      ],
      [
        'response schema',
        (r, s) => ({ ...r, responseFormat: { type: 'json-schema', schema: { type: 'object', title: s } } }),
      ],
      ['seed', (r, _s, n) => ({ ...r, seed: (r.seed ?? 0) + n + 1 })],
      ['responseFormat', (r) => ({ ...r, responseFormat: { type: 'json' } }) as NormalizedGenerateRequest],
      ['target model', (r) => ({ ...r, targets: [target('vertex', 'gemini-2.5-pro')] })],
      ['target provider', (r) => ({ ...r, targets: [target('azure', 'gemini-2.0-flash')] })],
      ['target region', (r) => ({ ...r, targets: [target('vertex', 'gemini-2.0-flash', 'europe-west4')] })],
      [
        'fallback targets',
        (r) => ({ ...r, targets: [...r.targets, target('bedrock', 'amazon.nova-lite-v1:0')] }),
      ],
    ];
    fc.assert(
      fc.property(
        requestArb,
        fc.string(),
        fc.nat(1000),
        fc.constantFrom(...variants),
        (fields, s, n, [, change]) => {
          const req = { ...base, ...fields } as NormalizedGenerateRequest;
          expect(generateCacheKey(change(req, s, n))).not.toBe(generateCacheKey(req));
        },
      ),
    );
  });

  it('ignores fields that never change the answer (signal, cache, deadline, route name, model address)', () => {
    const same = {
      ...base,
      cache: true,
      deadlineMs: 5,
      route: 'fast',
      model: 'fast',
    } as NormalizedGenerateRequest;
    expect(generateCacheKey(same)).toBe(generateCacheKey(base));
  });

  it('separates per-call scopes: same request, different scope → different key (property)', () => {
    const scope = fc.string({ minLength: 1, maxLength: 256 });
    fc.assert(
      fc.property(requestArb, scope, scope, fc.boolean(), (fields, a, b, enabled) => {
        fc.pre(a !== b);
        const req = { ...base, ...fields } as NormalizedGenerateRequest;
        const scoped = (s: string) => generateCacheKey({ ...req, cache: { scope: s } });
        expect(scoped(a)).not.toBe(scoped(b));
        expect(scoped(a)).not.toBe(generateCacheKey(req));
        // The same scope is the same key whatever else the cache field says (enabled is not an answer field).
        expect(generateCacheKey({ ...req, cache: { scope: a, enabled } })).toBe(scoped(a));
        // A scope never collides with a namespace of the same name.
        expect(scoped(a)).not.toBe(generateCacheKey(req, { namespace: a }));
      }),
    );
  });

  it('keeps an unscoped key as it was, and never puts the scope in the readable prefix', () => {
    expect(generateCacheKey({ ...base, cache: {} })).toBe(generateCacheKey(base));
    expect(generateCacheKey({ ...base, cache: { enabled: true } })).toBe(generateCacheKey(base));
    expect(generateCacheKey({ ...base, cache: { scope: 'tenant-a' } })).toMatch(
      /^genai:v1:_:g:[A-Za-z0-9_-]{43}$/,
    );
  });

  it('scopes keys by namespace and version', () => {
    const a = generateCacheKey(base, { namespace: 'a' });
    expect(generateCacheKey(base, { namespace: 'b' })).not.toBe(a);
    expect(generateCacheKey(base, { namespace: 'a', version: 2 })).not.toBe(a);
    expect(generateCacheKey(base)).not.toBe(a);
  });
});

describe('embedding keys', () => {
  const req: NormalizedEmbedRequest = {
    model: 'vertex/text-embedding-005',
    targets: [target('vertex', 'text-embedding-005')],
    input: ['a', 'b'],
  };
  const keyOf = (r: NormalizedEmbedRequest, text: string) => embedTextCacheKey(embedKeyBase(r), text);

  it('is per text and independent of the other texts of the call', () => {
    expect(keyOf(req, 'a')).toBe(keyOf({ ...req, input: ['z', 'a'] }, 'a'));
    expect(keyOf(req, 'a')).not.toBe(keyOf(req, 'b'));
    expect(keyOf(req, 'a')).toMatch(/^genai:v1:_:e:[A-Za-z0-9_-]{43}$/);
  });

  it('treats the default input type as document and separates dimensions, input type and options', () => {
    expect(keyOf({ ...req, inputType: 'document' }, 'a')).toBe(keyOf(req, 'a'));
    const keys = [
      keyOf(req, 'a'),
      keyOf({ ...req, inputType: 'query' }, 'a'),
      keyOf({ ...req, dimensions: 256 }, 'a'),
      keyOf({ ...req, providerOptions: { autoTruncate: false } }, 'a'),
      keyOf({ ...req, targets: [target('azure', 'text-embedding-005')] }, 'a'),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('separates per-call scopes for every text (property)', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), fc.string(), (a, b, text) => {
        fc.pre(a !== b);
        const scoped = (s: string) => keyOf({ ...req, cache: { scope: s } }, text);
        expect(scoped(a)).not.toBe(scoped(b));
        expect(scoped(a)).not.toBe(keyOf(req, text));
        expect(keyOf({ ...req, cache: { scope: a, enabled: true } }, text)).toBe(scoped(a));
      }),
    );
    expect(keyOf({ ...req, cache: true }, 'a')).toBe(keyOf(req, 'a'));
  });

  it('cannot be confused by a text that looks like the separator', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (a, b) => {
        fc.pre(a !== b);
        expect(keyOf(req, a)).not.toBe(keyOf(req, b));
      }),
    );
  });
});
