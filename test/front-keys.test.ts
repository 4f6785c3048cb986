/**
 * Issue 18, keys and the admin API: two fronts on one Redis (a prefix of this run's own) over the emulator; caller
 * endpoints through the official `openai` client, the admin API through fetch.
 */
import { randomUUID } from 'node:crypto';
import type { FrontConfigInput } from '@genai-deploy/config';
import { ApiKeys, hashApiKey, type StartFrontOptions } from '@genai-deploy/front';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { adminCall, type Fleet, openaiFor, type Started, startFleet } from './front-fleet.js';

const CHAT = 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0';
const OTHER_CHAT = 'vertex/gemini-2.0-flash';
const EMBED = 'vertex/text-embedding-005';
const ADMIN = `sk-admin-${randomUUID()}`;
const CALLER = `sk-caller-${randomUUID()}`;
/** A key of the environment's key document, limited to CHAT and 2 requests a minute. */
const DOC_KEY = `sk-doc-${randomUUID()}`;

let fleet: Fleet;
let a: Started;
let b: Started;

function config(url: string): FrontConfigInput {
  return {
    models: [
      { id: CHAT, maxOutputTokens: 256 },
      { id: OTHER_CHAT, maxOutputTokens: 256 },
      { id: EMBED, kind: 'embedding' },
    ],
    routes: { chat: { targets: [CHAT, OTHER_CHAT] } },
    providers: {
      bedrock: { region: 'us-east-1', endpoint: url },
      vertex: { project: 'local-project', location: 'us-central1', endpoint: url },
    },
    // Polling for a change makes many calls: only the per-key limits under test may refuse them.
    limits: { requestsPerMinute: 100_000, tokensPerMinute: 100_000_000, authFailuresPerMinute: 10_000 },
  };
}

/** Each front's environment: a key document with a plain key and a limited one, the admin key as a hash. */
const ENV = {
  GENAI_API_KEYS: JSON.stringify({
    keys: [
      CALLER,
      {
        key: DOC_KEY,
        name: 'doc',
        team: 'web',
        models: [CHAT],
        limits: { requests_per_minute: 2 },
      },
    ],
  }),
  GENAI_ADMIN_KEYS: JSON.stringify({ keys: [{ hash: hashApiKey(ADMIN) }] }),
};

const start = (options?: Partial<StartFrontOptions>) => fleet.start(options);
const openai = openaiFor;
const admin = (front: Started, method: string, path: string, body?: unknown, key = ADMIN) =>
  adminCall(front, key, method, path, body);

/** The status of a small chat call with `key` on `front` (an SDK error's status, 200 on success). */
async function chatStatus(front: Started, key: string, model = CHAT): Promise<number> {
  try {
    await openai(front, key).chat.completions.create({
      model,
      messages: [{ role: 'user', content: 'hi' }],
      max_tokens: 8,
    });
    return 200;
  } catch (e) {
    if (e instanceof OpenAI.APIError && e.status !== undefined) return e.status;
    throw e;
  }
}

/** Polls `front` until a chat call with `key` answers `status`; the time it took, in ms. */
async function msUntil(front: Started, key: string, status: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    if ((await chatStatus(front, key)) === status) return performance.now() - started;
    if (performance.now() - started > 5000) throw new Error(`no ${status} within 5 s`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

beforeAll(async () => {
  fleet = await startFleet({ name: 'keys', config, env: ENV });
  ({ a, b } = fleet);
});

afterAll(() => fleet?.close());

describe('keys with models and limits', () => {
  it('refuses a model the key was not given with 403 model_not_allowed, and hides it from /v1/models', async () => {
    // GIVEN a key created on instance A for CHAT only
    const created = await admin(a, 'POST', '/admin/keys', {
      name: 'only-chat',
      team: 'search',
      models: [CHAT],
    });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    // WHEN it calls instance B
    const client = openai(b, key);
    await expect(chatStatus(b, key, CHAT)).resolves.toBe(200);
    const refused = await client.chat.completions
      .create({ model: OTHER_CHAT, messages: [{ role: 'user', content: 'hi' }] })
      .catch((e: unknown) => e);
    const embed = await client.embeddings.create({ model: EMBED, input: 'x' }).catch((e: unknown) => e);
    const route = await chatStatus(b, key, 'chat');
    // THEN other models, routes and embeddings are refused, and only CHAT is listed
    for (const e of [refused, embed]) {
      expect(e).toBeInstanceOf(OpenAI.PermissionDeniedError);
      expect((e as InstanceType<typeof OpenAI.APIError>).code).toBe('model_not_allowed');
      expect((e as InstanceType<typeof OpenAI.APIError>).type).toBe('permission_error');
    }
    expect((refused as Error).message).toContain(OTHER_CHAT);
    expect(route).toBe(403);
    const models = (await client.models.list()).data.map((m) => m.id);
    expect(models).toEqual([CHAT]);
    // A plain key still sees every model.
    expect((await openai(b, CALLER).models.list()).data.map((m) => m.id)).toEqual(
      expect.arrayContaining([CHAT, OTHER_CHAT, EMBED, 'chat']),
    );
  });

  it("takes a key document's models and per-key limits from the environment", async () => {
    expect(await chatStatus(a, DOC_KEY, OTHER_CHAT)).toBe(403);
    // Its own 2 requests a minute (the 403 above counted), shared by both instances through Redis.
    expect(await chatStatus(b, DOC_KEY)).toBe(200);
    expect(await chatStatus(a, DOC_KEY)).toBe(429);
    // The configuration's limits still hold for a plain key.
    expect(await chatStatus(a, CALLER)).toBe(200);
    const listed = await admin(a, 'GET', '/admin/keys');
    const doc = listed.body.data.find((k: { name: string }) => k.name === 'doc');
    expect(doc).toMatchObject({
      source: 'environment',
      team: 'web',
      models: [CHAT],
      limits: { requests_per_minute: 2, tokens_per_minute: null },
    });
  });

  it('applies a key created with its own limits on every instance', async () => {
    const { body } = await admin(a, 'POST', '/admin/keys', { limits: { requests_per_minute: 1 } });
    expect(await chatStatus(a, body.key)).toBe(200);
    expect(await chatStatus(b, body.key)).toBe(429);
  });
});

describe('changes take effect on every instance within 1 s', () => {
  it('created, rotated, disabled and deleted keys', async () => {
    // Created on A: B accepts it within 1 s (it may have cached the unknown key just before).
    expect(await chatStatus(b, 'sk-genai-not-yet')).toBe(401);
    const created = await admin(a, 'POST', '/admin/keys', { name: 'propagation' });
    const { id, key } = created.body as { id: string; key: string };
    expect(await msUntil(b, key, 200)).toBeLessThanOrEqual(1000);

    // Disabled on A: B refuses it within 1 s; enabled again, B takes it back.
    expect((await admin(a, 'PATCH', `/admin/keys/${id}`, { disabled: true })).body.disabled).toBe(true);
    expect(await msUntil(b, key, 401)).toBeLessThanOrEqual(1000);
    await admin(a, 'PATCH', `/admin/keys/${id}`, { disabled: false });
    expect(await msUntil(b, key, 200)).toBeLessThanOrEqual(1000);

    // Rotated with a grace period: the new secret works on B within 1 s, the old one still does.
    const rotated = await admin(a, 'POST', `/admin/keys/${id}/rotate`, { grace_seconds: 60 });
    expect(rotated.body.id).toBe(id);
    expect(rotated.body.previous_key_expires_at).toEqual(expect.any(String));
    const second = rotated.body.key as string;
    expect(await msUntil(b, second, 200)).toBeLessThanOrEqual(1000);
    expect(await chatStatus(b, key)).toBe(200);

    // Rotated without grace: the secret it replaced stops on B within 1 s.
    const third = (await admin(a, 'POST', `/admin/keys/${id}/rotate`, { grace_seconds: 0 })).body.key;
    expect(await msUntil(b, second, 401)).toBeLessThanOrEqual(1000);
    expect(await chatStatus(b, key)).toBe(401);
    expect(await chatStatus(b, third)).toBe(200);

    // Deleted on A: B refuses it within 1 s.
    expect((await admin(a, 'DELETE', `/admin/keys/${id}`)).body).toEqual({
      object: 'api_key',
      id,
      deleted: true,
    });
    expect(await msUntil(b, third, 401)).toBeLessThanOrEqual(1000);
    expect((await admin(b, 'GET', `/admin/keys/${id}`)).status).toBe(404);
  });

  it('refuses an expired key', async () => {
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const { body } = await admin(a, 'POST', '/admin/keys', { expires_at: expiresAt });
    expect(await chatStatus(b, body.key)).toBe(200);
    await new Promise((r) => setTimeout(r, 1600));
    const e = await openai(b, body.key)
      .models.list()
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((e as InstanceType<typeof OpenAI.APIError>).code).toBe('api_key_expired');
  });
});

describe('admin and caller keys stay apart', () => {
  it('admin endpoints refuse caller keys and caller endpoints refuse admin keys', async () => {
    const created = await admin(a, 'POST', '/admin/keys', { name: 'stored-caller' });
    for (const key of [CALLER, DOC_KEY, created.body.key]) {
      const res = await admin(b, 'GET', '/admin/keys', undefined, key);
      expect(res.status, key.slice(0, 10)).toBe(403);
      expect(res.body.error.code).toBe('permission_denied');
    }
    expect((await admin(b, 'GET', '/admin/keys', undefined, 'sk-nobody')).status).toBe(401);
    const refused = await openai(b, ADMIN)
      .models.list()
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect(await chatStatus(b, ADMIN)).toBe(403);
    // /metrics: the admin key reads it, a caller key does not.
    const metrics = (key: string) =>
      fetch(`${b.url}/metrics`, { headers: { authorization: `Bearer ${key}` } }).then((r) => r.status);
    expect(await metrics(ADMIN)).toBe(200);
    expect(await metrics(CALLER)).toBe(403);
  });

  it('never shows a secret or a hash, and leaves one audit line per change without secrets', async () => {
    const created = await admin(a, 'POST', '/admin/keys', { name: 'audited', team: 'ops' });
    const { id, key } = created.body as { id: string; key: string };
    await admin(a, 'PATCH', `/admin/keys/${id}`, { budget: { daily_usd: 1 }, models: [CHAT] });
    const rotated = (await admin(a, 'POST', `/admin/keys/${id}/rotate`)).body;
    expect(Date.parse(rotated.previous_key_expires_at) - Date.now()).toBeGreaterThan(250_000);
    const listed = JSON.stringify((await admin(b, 'GET', '/admin/keys')).body);
    for (const secret of [key, rotated.key, CALLER, DOC_KEY, hashApiKey(key), hashApiKey(CALLER)]) {
      expect(listed).not.toContain(secret);
    }
    const view = (await admin(b, 'GET', `/admin/keys/${id}`)).body;
    expect(view).toMatchObject({
      id,
      name: 'audited',
      team: 'ops',
      budget: { daily_usd: 1, monthly_usd: null },
    });
    expect(view.key).toBeUndefined();
    const audit = a.logs.filter((l) => l.event === 'audit' && l.target === id);
    expect(audit.map((l) => [l.action, l.changed])).toEqual([
      ['key.create', ['name', 'team']],
      ['key.update', ['models', 'budget']],
      ['key.rotate', ['key']],
    ]);
    expect(audit.every((l) => l.actor === hashApiKey(ADMIN).slice(0, 16))).toBe(true);
    const logged = JSON.stringify(a.logs);
    for (const secret of [key, rotated.key, ADMIN]) expect(logged).not.toContain(secret);
  });

  it('answers invalid admin requests with 400s that name the field, and keys of the environment with 409', async () => {
    const bad = await admin(a, 'POST', '/admin/keys', { models: 'x', budget: { daily_usd: -1 } });
    expect(bad.status).toBe(400);
    expect(bad.body.error).toMatchObject({ param: 'models', code: 'invalid_value' });
    expect(bad.body.error.message).toMatch(/^invalid models: expected an array of model addresses/);
    const unknown = await admin(a, 'POST', '/admin/keys', { colour: 'blue' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toContain('colour');
    const grace = await admin(a, 'POST', `/admin/keys/${hashApiKey(CALLER).slice(0, 16)}/rotate`, {
      grace_seconds: 10_000_000,
    });
    expect(grace.status).toBe(400);
    expect(grace.body.error.param).toBe('grace_seconds');
    const fixed = await admin(a, 'PATCH', `/admin/keys/${hashApiKey(CALLER).slice(0, 16)}`, {
      disabled: true,
    });
    expect(fixed.status).toBe(409);
    expect(fixed.body.error.code).toBe('key_from_environment');
    expect((await admin(a, 'DELETE', '/admin/keys/not-an-id')).status).toBe(404);
  });
});

describe('without Redis', () => {
  it('keeps created keys in the instance', async () => {
    const solo = await start({ redis: undefined, ownsRedis: false, apiKeys: ApiKeys.from({}) });
    try {
      const { body } = await admin(solo, 'POST', '/admin/keys', { models: [CHAT] });
      expect(await chatStatus(solo, body.key)).toBe(200);
      expect(await chatStatus(a, body.key)).toBe(401);
    } finally {
      await solo.running.close();
    }
  });
});
