import { mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiKeys, hashApiKey, parseKeyEntries, parseKeyList, presentedKey } from './auth.js';
import { loadApiKeys, loadConfig } from './environment.js';

describe('ApiKeys', () => {
  it('verifies plaintext keys and hashes, and tags callers without revealing the key', () => {
    const keys = ApiKeys.from({ keys: ['alpha', ' '], hashes: [hashApiKey('beta').toUpperCase()] });
    expect(keys.size).toBe(2);
    const a = keys.verify('alpha');
    expect(a?.id).toHaveLength(16);
    expect(a?.id).not.toContain('alpha');
    expect(keys.verify('beta')).toBeDefined();
    expect(keys.verify('alph')).toBeUndefined();
    expect(keys.verify('')).toBeUndefined();
    expect(keys.verify(undefined)).toBeUndefined();
  });

  it('rejects malformed hashes with a clear message', () => {
    expect(() => ApiKeys.from({ hashes: ['abc'] })).toThrow(/64 hex characters/);
  });

  it('reads Bearer and x-api-key', () => {
    expect(presentedKey(new Headers({ authorization: 'Bearer  k1 ' }))).toBe('k1');
    expect(presentedKey(new Headers({ authorization: 'bearer k1' }))).toBe('k1');
    expect(presentedKey(new Headers({ 'x-api-key': 'k2' }))).toBe('k2');
    expect(presentedKey(new Headers({ authorization: 'Basic xyz' }))).toBeUndefined();
  });

  it('parses key lists as text or JSON', () => {
    expect(parseKeyList('a, b\nc,,')).toEqual(['a', 'b', 'c']);
    expect(parseKeyList('["a","b"]')).toEqual(['a', 'b']);
    expect(parseKeyList('{"keys":["a"]}')).toEqual(['a']);
    expect(() => parseKeyList('{"keys": 1}')).toThrow(/array of strings/);
  });

  it('reads key documents with policies, and never echoes a value of a bad entry', () => {
    const keys = ApiKeys.from({
      entries: parseKeyEntries(
        JSON.stringify({
          keys: [
            'plain',
            { key: 'sk-doc', team: 'web', models: ['chat'], limits: { tokens_per_minute: 10 } },
            { hash: hashApiKey('hashed'), budget: { daily_usd: 0.5 } },
          ],
        }),
      ),
    });
    expect(keys.verify('plain')).toEqual({ id: hashApiKey('plain').slice(0, 16) });
    expect(keys.verify('sk-doc')).toMatchObject({
      team: 'web',
      models: ['chat'],
      limits: { tokensPerMinute: 10 },
    });
    expect(keys.verify('hashed')).toMatchObject({ budget: { dailyUsd: 0.5 } });
    const error = (() => {
      try {
        parseKeyEntries('{"keys":[{"key":"sk-secret-value","models":"chat"}]}');
      } catch (e) {
        return String(e);
      }
    })();
    expect(error).toMatch(/keys\.0\.models: expected an array/);
    expect(error).not.toContain('sk-secret-value');
    expect(() => parseKeyEntries('{"keys":[{"name":"no secret"}]}')).toThrow(/exactly one of "key"/);
    expect(() => parseKeyList('{"keys":[{"key":"k"}]}')).toThrow(/plain keys only/);
  });
});

const secretsSdkInstalled = (() => {
  try {
    createRequire(import.meta.url).resolve('@aws-sdk/client-secrets-manager');
    return true;
  } catch {
    return false;
  }
})();

describe('environment', () => {
  it('loads keys from every source, the secret store included', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'front-keys-'));
    await writeFile(join(dir, 'keys'), 'file-key\n');
    const keys = await loadApiKeys(
      {
        GENAI_API_KEYS: 'env-key',
        GENAI_API_KEYS_FILE: join(dir, 'keys'),
        GENAI_API_KEYS_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:1:secret:k',
        GENAI_API_KEY_HASHES: hashApiKey('hashed-key'),
      },
      async (id) => (id.startsWith('arn:aws:secretsmanager') ? '{"keys":["secret-key"]}' : ''),
    );
    for (const k of ['env-key', 'file-key', 'secret-key', 'hashed-key'])
      expect(keys.verify(k), k).toBeDefined();
  });

  it.skipIf(secretsSdkInstalled)('says what to install when the Secrets Manager SDK is missing', async () => {
    await expect(loadApiKeys({ GENAI_API_KEYS_SECRET_ARN: 'arn:x' })).rejects.toThrow(
      /client-secrets-manager|GENAI_API_KEYS/,
    );
  });

  it('loads the configuration and lists every problem', async () => {
    expect((await loadConfig({ GENAI_CONFIG: '{"models":[{"id":"bedrock/m"}]}' })).models[0]?.id).toBe(
      'bedrock/m',
    );
    const bad = JSON.stringify({ models: [{ id: 'nope' }], limits: { requestsPerMinute: -1 } });
    const error = await loadConfig({ GENAI_CONFIG: bad }).catch((e: Error) => e);
    expect(String(error)).toContain('models.0.id');
    expect(String(error)).toContain('limits.requestsPerMinute');
    await expect(loadConfig({})).rejects.toThrow(/GENAI_CONFIG/);
    await expect(loadConfig({ GENAI_CONFIG_FILE: '/nonexistent/config.json' })).rejects.toThrow(
      /cannot be read/,
    );
  });
});
