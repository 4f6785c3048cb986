/**
 * Evidence for issue 21 item 4: the local platform layers your configuration over its defaults (the merge rules
 * of apps/local/src/local-config.ts), a provider your file makes real gets its cloud's default credentials and
 * not the emulator's keys, and a bad file is refused with the file, the problem and the fix.
 */

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@genai-deploy/config';
import { type Emulator, startEmulator } from '@genai-deploy/emulator';
import { createLogger } from '@genai-deploy/front';
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { banner } from '../apps/local/src/banner.js';
import { LOCAL_LIMITS, layerConfig, readConfigFile } from '../apps/local/src/local-config.js';
import { localConfig, startLocalPlatform } from '../apps/local/src/platform.js';

const EMULATOR = 'http://127.0.0.1:4010';
const defaults = localConfig(EMULATOR);
const dir = mkdtempSync(join(tmpdir(), 'genai-local-config-'));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function problem(run: () => unknown): ConfigError {
  try {
    run();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error('expected a ConfigError');
}

describe('layerConfig', () => {
  it('keeps the defaults whole, all emulated, with the local limits', () => {
    const { config, providers, dropped } = layerConfig(defaults, undefined, EMULATOR);
    expect(config.models.map((m) => m.id)).toEqual(defaults.models!.map((m) => m.id));
    expect(Object.keys(config.routes)).toEqual(['chat', 'embed']);
    expect(providers.map((p) => [p.provider, p.emulated])).toEqual([
      ['bedrock', true],
      ['sagemaker', true],
      ['vertex', true],
      ['azure', true],
    ]);
    expect(config.limits).toMatchObject(LOCAL_LIMITS);
    expect(config.vectorStore?.engine).toBe('opensearch');
    expect(dropped).toEqual([]);
  });

  it('adds your models and routes, yours replacing a default of the same id or name', () => {
    const { config } = layerConfig(
      defaults,
      {
        models: [{ id: 'azure/my-gpt' }, { id: 'vertex/gemini-2.0-flash', maxOutputTokens: 99 }],
        routes: {
          chat: { targets: ['azure/my-gpt'] },
          mine: { targets: ['azure/my-gpt', 'azure/gpt-4o-mini'] },
        },
      },
      EMULATOR,
    );
    expect(config.models[0]?.id).toBe('azure/my-gpt');
    expect(config.models.filter((m) => m.id === 'vertex/gemini-2.0-flash')).toEqual([
      expect.objectContaining({ maxOutputTokens: 99 }),
    ]);
    expect(config.models).toHaveLength(defaults.models!.length + 1);
    expect(config.routes.chat?.targets).toEqual(['azure/my-gpt']);
    expect(config.routes.mine?.targets).toEqual(['azure/my-gpt', 'azure/gpt-4o-mini']);
    expect(config.routes.embed?.targets).toEqual(defaults.routes!.embed!.targets);
  });

  it('a provider you list is real: its demo models, their route targets and what needs them go', () => {
    const { config, providers, dropped } = layerConfig(
      defaults,
      {
        models: [{ id: 'vertex/gemini-2.5-pro' }],
        providers: { vertex: { project: 'my-project', location: 'europe-west4' } },
      },
      EMULATOR,
    );
    expect(providers.find((p) => p.provider === 'vertex')).toMatchObject({
      emulated: false,
      where: 'project my-project, location europe-west4',
      credentials: expect.stringContaining('Application Default Credentials'),
    });
    expect(providers.filter((p) => p.emulated).map((p) => p.provider)).toEqual([
      'bedrock',
      'sagemaker',
      'azure',
    ]);
    expect(config.models.filter((m) => m.id.startsWith('vertex/')).map((m) => m.id)).toEqual([
      'vertex/gemini-2.5-pro',
    ]);
    expect(config.providers.vertex).toEqual({ project: 'my-project', location: 'europe-west4' });
    // The chat route falls back to nothing now; embed keeps its Azure target; the store needed Vertex embeddings.
    expect(config.routes.chat?.targets).toEqual(['bedrock/anthropic.claude-3-5-haiku-20241022-v1:0']);
    expect(config.routes.embed?.targets).toEqual(['azure/text-embedding-3-small']);
    expect(config.vectorStore).toBeUndefined();
    expect(dropped).toEqual(['vertex/gemini-2.0-flash', 'vertex/text-embedding-005', 'vector store']);
  });

  it("a provider entry at the emulator's address stays emulated", () => {
    const { providers, config } = layerConfig(
      defaults,
      { providers: { bedrock: { region: 'eu-west-1', endpoint: 'http://localhost:4010/' } } },
      EMULATOR,
    );
    expect(providers.find((p) => p.provider === 'bedrock')?.emulated).toBe(true);
    expect(config.providers.bedrock?.region).toBe('eu-west-1');
    expect(config.models.some((m) => m.id.startsWith('bedrock/'))).toBe(true);
  });

  it('takes your limits key by key over the local ones', () => {
    const { config } = layerConfig(defaults, { limits: { requestsPerMinute: 60 } }, EMULATOR);
    expect(config.limits.requestsPerMinute).toBe(60);
    expect(config.limits.tokensPerMinute).toBe(LOCAL_LIMITS.tokensPerMinute);
  });

  it("reports problems at their path in your file, with the file's name and how to fix it", () => {
    const e = problem(() =>
      layerConfig(
        defaults,
        { models: [{ id: 'openai/gpt-4o' }], routes: { mine: { targets: ['azure/nope'] } }, retries: 3 },
        EMULATOR,
        '/tmp/x.json (--config)',
      ),
    );
    expect(e.issues.map((i) => i.path).sort()).toEqual(['(root)', 'models.0.id', 'routes.mine.targets.0']);
    expect(e.message).toContain('invalid /tmp/x.json (--config), layered over the local defaults');
    expect(e.message).toContain('add { id: "azure/nope" } to models');
    expect(e.message).toContain('fix /tmp/x.json (--config) and start again');
  });

  it('refuses a real vector store that would be signed with the emulator keys', () => {
    const e = problem(() =>
      layerConfig(
        defaults,
        {
          vectorStore: {
            engine: 'opensearch',
            endpoint: 'https://abc.eu-west-1.aoss.amazonaws.com',
            region: 'eu-west-1',
            index: 'chunks',
            embeddingModel: 'azure/text-embedding-3-small',
            dimension: 1536,
          },
          providers: { bedrock: { region: 'eu-west-1' } },
        },
        EMULATOR,
      ),
    );
    expect(e.issues).toEqual([
      { path: 'vectorStore', message: expect.stringContaining('sagemaker is on the emulator') },
    ]);
    expect(e.message).toContain('providers.sagemaker');
  });
});

describe("the root README's example", () => {
  it('layers as the README says: Bedrock real in eu-west-1, the rest emulated, route mine added', () => {
    const readme = readFileSync(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Local platform'));
    const json = /```json\n([\s\S]*?)```/.exec(section)?.[1];
    const { config, providers } = layerConfig(defaults, JSON.parse(json!), EMULATOR);
    expect(providers.map((p) => [p.provider, p.emulated])).toEqual([
      ['bedrock', false],
      ['sagemaker', true],
      ['vertex', true],
      ['azure', true],
    ]);
    expect(config.routes.mine?.targets).toEqual(['azure/my-gpt', 'vertex/gemini-2.0-flash']);
    expect(config.models.filter((m) => m.id.startsWith('bedrock/')).map((m) => m.id)).toEqual([
      'bedrock/eu.anthropic.claude-sonnet-4-5-20250929-v1:0',
    ]);
    expect(config.limits.requestsPerMinute).toBe(6000);
  });
});

describe('readConfigFile', () => {
  it('reads a JSON object', async () => {
    const path = file('ok.json', '{"routes": {}}');
    await expect(readConfigFile(path, '--config')).resolves.toEqual({ routes: {} });
  });

  it('says which file cannot be read', async () => {
    const path = join(dir, 'missing.json');
    await expect(readConfigFile(path, 'GENAI_CONFIG_FILE')).rejects.toThrow(
      `GENAI_CONFIG_FILE: cannot read ${path} (ENOENT`,
    );
  });

  it('says where the JSON breaks, and that YAML is not read', async () => {
    const bad = file('bad.json', '{\n  "models": [\n    { "id": "azure/x", }\n  ]\n}');
    await expect(readConfigFile(bad, '--config')).rejects.toThrow(
      new RegExp(
        `--config: ${bad} is not valid JSON \\(Expected double-quoted property name.*line 3, column 24\\); fix the JSON`,
      ),
    );
    // JSON.parse quotes the text around some errors, newlines and all: the message keeps the complaint only.
    const trailing = file('trailing.json', '{\n  "models": [\n    { "id": "azure/x" },\n  ]\n}');
    await expect(readConfigFile(trailing, '--config')).rejects.toThrow(
      `--config: ${trailing} is not valid JSON (Unexpected token ']'); fix the JSON`,
    );
    const yaml = file('c.yaml', 'models:\n  - id: azure/x\n');
    await expect(readConfigFile(yaml, '--config')).rejects.toThrow('read as JSON only');
  });

  it('refuses JSON that is not an object', async () => {
    await expect(readConfigFile(file('list.json', '[1]'), '--config')).rejects.toThrow(
      /holds an array; expected a JSON object such as \{"models"/,
    );
  });
});

/**
 * An HTTP/2 (h2c) proxy to `target` that records each request's Authorization header: the Bedrock runtime client
 * speaks HTTP/2, and the emulator does not report who signed.
 */
async function recordingProxy(target: string) {
  const upstream = http2.connect(target);
  const authorizations: string[] = [];
  const server = http2.createServer();
  server.on('stream', (stream, headers) => {
    authorizations.push(String(headers.authorization));
    const { ':authority': _authority, ':scheme': _scheme, ...rest } = headers;
    const up = upstream.request(rest);
    up.on('response', (h) => stream.respond(h));
    up.on('error', () => stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
    stream.pipe(up);
    up.pipe(stream);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    authorizations,
    close: async () => {
      upstream.close();
      await new Promise((r) => server.close(r));
    },
  };
}

describe('a real provider beside the emulated ones', () => {
  const cleanup: (() => unknown)[] = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it("signs with the AWS default chain's keys, and the emulated providers with the local ones", async () => {
    // "The cloud": a second emulator behind a proxy that records who signed; the default chain reads the env.
    const cloud: Emulator = await startEmulator({ port: 0 });
    cleanup.push(() => cloud.close());
    const proxy = await recordingProxy(cloud.url);
    cleanup.push(proxy.close);
    const saved = { id: process.env.AWS_ACCESS_KEY_ID, secret: process.env.AWS_SECRET_ACCESS_KEY };
    process.env.AWS_ACCESS_KEY_ID = 'AKIADEFAULTCHAINTEST';
    process.env.AWS_SECRET_ACCESS_KEY = 'default-chain-secret';
    cleanup.push(() => {
      for (const [k, v] of [
        ['AWS_ACCESS_KEY_ID', saved.id],
        ['AWS_SECRET_ACCESS_KEY', saved.secret],
      ] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });
    const platform = await startLocalPlatform({
      port: 0,
      emulatorPort: 0,
      apiKeys: ['sk-real-beside'],
      front: { logger: createLogger({ level: process.env.DEBUG_H4 ? 'debug' : 'silent' }) },
      clientOptions: { retry: false },
      config: {
        models: [{ id: 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0' }],
        providers: { bedrock: { region: 'us-east-1', endpoint: proxy.url } },
      },
    });
    cleanup.push(() => platform.close());
    expect(platform.layered.providers.find((p) => p.provider === 'bedrock')).toMatchObject({
      emulated: false,
      where: proxy.url,
    });

    const openai = new OpenAI({
      apiKey: 'sk-real-beside',
      baseURL: `${platform.front.url}/v1`,
      maxRetries: 0,
    });
    const ask = (model: string) =>
      openai.chat.completions.create({ model, messages: [{ role: 'user', content: 'Hi' }], max_tokens: 8 });
    await ask('bedrock/anthropic.claude-3-5-haiku-20241022-v1:0');
    await ask('sagemaker/llama-3-8b-tgi');

    expect(proxy.authorizations).toHaveLength(1);
    expect(proxy.authorizations[0]).toContain('Credential=AKIADEFAULTCHAINTEST/');
    const local = (await (await fetch(`${platform.emulator.url}/_emulator/requests`)).json()) as {
      total: number;
    };
    expect(local.total).toBe(1); // the SageMaker call stayed on the local emulator
    const text = banner({
      frontUrl: platform.front.url,
      emulatorUrl: platform.emulator.url,
      apiKey: undefined,
      adminKey: platform.adminKeys[0],
      layered: platform.layered,
      configFile: '/x.json (--config)',
    });
    expect(text).toMatch(
      new RegExp(
        `bedrock\\s+REAL\\s+anthropic\\.claude-3-5-haiku-20241022-v1:0\\n\\s+at ${proxy.url}; credentials: AWS default chain`,
      ),
    );
    expect(text).toMatch(/sagemaker\s+emulated\s+llama-3-8b-tgi/);
    expect(text).toContain('REAL targets bill every request');
  });
});
