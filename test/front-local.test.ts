/**
 * Evidence for issue 7's runtimes: `npm start` (emulator + front, Ctrl-C stops both) and the container entry
 * (packages/front/src/server.ts: PORT, SIGTERM drains in-flight requests, then exits), as real processes; and for
 * issue 21 item 4: `npm start` with your configuration file (--config or GENAI_CONFIG_FILE) layered over the
 * defaults, real providers beside emulated ones, and a bad file refused with a clear error.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Emulator, startEmulator } from '@genai-deploy/emulator';
import OpenAI from 'openai';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from './front-helpers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) {
    if (c.exitCode !== null || c.signalCode !== null || !c.pid) continue;
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** Spawns in its own process group (as a terminal runs a foreground job), collecting output. */
function run(command: string, args: string[], env: Record<string, string>, cwd = root) {
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    detached: true,
    stdio: 'pipe',
  });
  children.push(child);
  const out = { text: '' };
  child.stdout!.on('data', (d) => {
    out.text += String(d);
  });
  child.stderr!.on('data', (d) => {
    out.text += String(d);
  });
  const exited = new Promise<number | string>((r) =>
    child.on('exit', (code, signal) => r(code ?? `${signal}`)),
  );
  return { child, out, exited };
}

describe('npm start', () => {
  it('starts the emulator and the front, prints URLs, key and curl, answers, and stops on Ctrl-C', async () => {
    const [port, emulatorPort] = [await freePort(), await freePort()];
    const { child, out, exited } = run('npm', ['start'], {
      PORT: String(port),
      EMULATOR_PORT: String(emulatorPort),
      LOG_LEVEL: 'warn',
    });
    await until(() => out.text.includes('Ctrl-C stops both'), 60_000, `banner (output so far: ${out.text})`);
    expect(out.text).toContain(`http://127.0.0.1:${port}/v1`);
    expect(out.text).toContain(`http://127.0.0.1:${emulatorPort}`);
    expect(out.text).toContain('curl ');
    const key = /API key\s+(sk-local-\S+)/.exec(out.text)?.[1];
    expect(key).toBeDefined();
    // The admin key opens the admin API (issue 18's /admin/keys), the caller key does not.
    const admin = /admin key\s+(sk-admin-\S+)/.exec(out.text)?.[1];
    const adminKeys = (k: string) =>
      fetch(`http://127.0.0.1:${port}/admin/keys`, { headers: { authorization: `Bearer ${k}` } });
    expect((await adminKeys(admin!)).status).toBe(200);
    expect((await adminKeys(key!)).status).not.toBe(200);

    const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'chat', messages: [{ role: 'user', content: 'Hello!' }], max_tokens: 8 }),
    });
    expect(res.status).toBe(200);
    expect(
      ((await res.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content
        .length,
    ).toBeGreaterThan(0);
    const emulator = await fetch(`http://127.0.0.1:${emulatorPort}/_emulator/requests`);
    expect(((await emulator.json()) as { total: number }).total).toBe(1);

    process.kill(-child.pid!, 'SIGINT'); // Ctrl-C signals the whole foreground group
    // npm itself dies of the signal (as in a terminal); the platform under it stops cleanly.
    expect([0, 130, 'SIGINT']).toContain(await exited);
    await until(() => out.text.includes('stopped'), 10_000, 'stopped');
    expect(out.text).not.toContain('shutdown failed');
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    await expect(fetch(`http://127.0.0.1:${emulatorPort}/_emulator/health`)).rejects.toThrow();
  });

  it('uses GENAI_API_KEYS and GENAI_ADMIN_KEYS instead of generating keys', async () => {
    const [port, emulatorPort] = [await freePort(), await freePort()];
    const { child, out, exited } = run('npm', ['start'], {
      PORT: String(port),
      EMULATOR_PORT: String(emulatorPort),
      GENAI_API_KEYS: 'my-key-1,my-key-2',
      GENAI_ADMIN_KEYS: 'my-admin-1',
      LOG_LEVEL: 'warn',
    });
    await until(() => out.text.includes('Ctrl-C stops both'), 60_000, 'banner');
    expect(out.text).not.toMatch(/sk-local-|sk-admin-/);
    expect(out.text).not.toContain('my-key-1');
    expect(out.text).not.toContain('my-admin-1');
    expect(out.text).toMatch(/API key\s+\(from GENAI_API_KEYS\)/);
    expect(out.text).toMatch(/admin key\s+\(from GENAI_ADMIN_KEYS\)/);
    const admin = await fetch(`http://127.0.0.1:${port}/admin/keys`, {
      headers: { 'x-api-key': 'my-admin-1' },
    });
    expect(admin.status).toBe(200);
    const models = await fetch(`http://127.0.0.1:${port}/v1/models`, {
      headers: { 'x-api-key': 'my-key-2' },
    });
    expect(models.status).toBe(200);
    process.kill(-child.pid!, 'SIGINT');
    expect([0, 130, 'SIGINT']).toContain(await exited);
    await until(() => out.text.includes('stopped'), 10_000, 'stopped');
  });
});

describe('npm start with your configuration', () => {
  const dir = mkdtempSync(join(tmpdir(), 'genai-npm-start-'));
  const write = (name: string, value: unknown) => {
    const path = join(dir, name);
    writeFileSync(path, typeof value === 'string' ? value : JSON.stringify(value, null, 2));
    return path;
  };

  it('--config <file> (relative to where npm runs) adds a route the defaults do not have', async () => {
    write('mine.json', {
      models: [{ id: 'azure/my-gpt', maxOutputTokens: 256 }],
      routes: { mine: { targets: ['azure/my-gpt', 'vertex/gemini-2.0-flash'] } },
      limits: { requestsPerMinute: 5000 },
    });
    const [port, emulatorPort] = [await freePort(), await freePort()];
    const { child, out, exited } = run(
      'npm',
      ['--prefix', root, 'start', '--', '--config', 'mine.json'],
      { PORT: String(port), EMULATOR_PORT: String(emulatorPort), LOG_LEVEL: 'warn' },
      dir,
    );
    await until(() => out.text.includes('Ctrl-C stops both'), 60_000, `banner (output so far: ${out.text})`);
    expect(out.text).toContain(`${join(dir, 'mine.json')} (--config), layered over the local defaults`);
    expect(out.text).toMatch(/mine\s+azure\/my-gpt -> vertex\/gemini-2\.0-flash/);
    expect(out.text).toMatch(/azure\s+emulated\s+my-gpt, gpt-4o-mini/);
    expect(out.text).toContain('5,000 requests/min, 1,000,000,000 tokens/min');
    expect(out.text).toContain('"limits": {"requestsPerMinute"');
    expect(out.text).toMatch(/admin key\s+sk-admin-\S+/);
    const key = /API key\s+(sk-local-\S+)/.exec(out.text)?.[1];

    const openai = new OpenAI({ apiKey: key, baseURL: `http://127.0.0.1:${port}/v1`, maxRetries: 0 });
    const answer = await openai.chat.completions.create({
      model: 'mine',
      messages: [{ role: 'user', content: 'Hello!' }],
      max_tokens: 8,
    });
    expect(answer.model).toBe('azure/my-gpt');
    expect(answer.choices[0]!.message.content!.length).toBeGreaterThan(0);
    // The defaults are still there.
    const embedded = await openai.embeddings.create({ model: 'embed', input: 'hello' });
    expect(embedded.data[0]!.embedding.length).toBeGreaterThan(0);

    process.kill(-child.pid!, 'SIGINT');
    expect([0, 130, 'SIGINT']).toContain(await exited);
    await until(() => out.text.includes('stopped'), 10_000, 'stopped');
  });

  it('GENAI_CONFIG_FILE with a real provider: the banner says which targets are real, /v1/models lists them', async () => {
    const file = write('real.json', {
      models: [{ id: 'bedrock/eu.anthropic.claude-sonnet-4-5-20250929-v1:0' }],
      routes: { sonnet: { targets: ['bedrock/eu.anthropic.claude-sonnet-4-5-20250929-v1:0'] } },
      providers: { bedrock: { region: 'eu-west-1' } },
    });
    const [port, emulatorPort] = [await freePort(), await freePort()];
    const { child, out, exited } = run('npm', ['start'], {
      PORT: String(port),
      EMULATOR_PORT: String(emulatorPort),
      GENAI_CONFIG_FILE: file,
      GENAI_API_KEYS: 'sk-real-file',
      LOG_LEVEL: 'warn',
    });
    await until(() => out.text.includes('Ctrl-C stops both'), 60_000, `banner (output so far: ${out.text})`);
    expect(out.text).toContain(`${file} (GENAI_CONFIG_FILE), layered over the local defaults`);
    expect(out.text).toMatch(
      /bedrock\s+REAL\s+eu\.anthropic\.claude-sonnet-4-5-20250929-v1:0\n\s+at region eu-west-1; credentials: AWS default chain/,
    );
    for (const p of ['sagemaker', 'vertex', 'azure'])
      expect(out.text).toMatch(new RegExp(`${p}\\s+emulated`));
    expect(out.text).toMatch(/left out\s+bedrock\/anthropic\.claude-3-5-haiku-20241022-v1:0/);
    expect(out.text).toContain('REAL targets bill every request');

    const openai = new OpenAI({ apiKey: 'sk-real-file', baseURL: `http://127.0.0.1:${port}/v1` });
    const ids = (await openai.models.list()).data.map((m) => m.id);
    expect(ids).toContain('bedrock/eu.anthropic.claude-sonnet-4-5-20250929-v1:0');
    expect(ids).toContain('sonnet');
    expect(ids).toContain('azure/gpt-4o-mini');
    expect(ids).not.toContain('bedrock/anthropic.claude-3-5-haiku-20241022-v1:0');

    process.kill(-child.pid!, 'SIGINT');
    expect([0, 130, 'SIGINT']).toContain(await exited);
    await until(() => out.text.includes('stopped'), 10_000, 'stopped');
  });

  it('refuses a bad file with its path, what is wrong and how to fix it (exit code 2)', async () => {
    const start = (env: Record<string, string>, ...args: string[]) =>
      run(
        process.execPath,
        ['--conditions=@genai-deploy/source', '--import', 'tsx', 'apps/local/src/main.ts', ...args],
        { PORT: '0', EMULATOR_PORT: '0', ...env },
      );
    const broken = write('broken.json', '{\n  "models": [\n    { "id": "azure/x", }\n  ]\n}');
    const wrong = write('wrong.json', { routes: { mine: { targets: ['azure/nope'] } }, limit: {} });
    const runs = [
      start({}, '--config', broken),
      start({ GENAI_CONFIG_FILE: wrong }),
      start({}, '--config', join(dir, 'absent.json')),
      start({}, '--confgi', 'x.json'),
    ];
    const codes = await Promise.all(runs.map((r) => r.exited));
    expect(codes).toEqual([2, 2, 2, 2]);
    const [json, schema, absent, usage] = runs.map((r) => r.out.text);
    expect(json).toMatch(
      new RegExp(`--config: ${broken} is not valid JSON \\(.*line 3, column 24.*\\); fix the JSON`),
    );
    expect(schema).toContain(`invalid ${wrong} (GENAI_CONFIG_FILE), layered over the local defaults`);
    expect(schema).toContain(
      'routes.mine.targets.0: route "mine" targets "azure/nope", which is not in models',
    );
    expect(schema).toMatch(/\(root\): .*"limit"/);
    expect(schema).toContain(`fix ${wrong} (GENAI_CONFIG_FILE) and start again`);
    expect(absent).toContain(`--config: cannot read ${join(dir, 'absent.json')} (ENOENT`);
    expect(usage).toContain("Unknown option '--confgi'");
    expect(usage).toContain('usage: npm start [-- --config <file>]');
    for (const text of [json, schema, absent]) expect(text).not.toContain('Ctrl-C stops both');
  });
});

describe('container entry (server.ts main)', () => {
  let emulator: Emulator;
  afterAll(() => emulator?.close());

  it('honours PORT and, on SIGTERM, finishes the in-flight stream before exiting', async () => {
    // 40 ms a token: a 40-token stream takes about 1.6 s.
    emulator = await startEmulator({ latency: { perTokenMs: 40 } });
    const port = await freePort();
    const { child, out, exited } = run(
      process.execPath,
      ['--conditions=@genai-deploy/source', '--import', 'tsx', 'packages/front/src/server.ts'],
      {
        PORT: String(port),
        HOST: '127.0.0.1',
        GENAI_CONFIG: JSON.stringify({
          models: [{ id: 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0' }],
          providers: { bedrock: { region: 'us-east-1', endpoint: emulator.url } },
        }),
        GENAI_API_KEYS: 'drain-key',
        AWS_ACCESS_KEY_ID: 'AKIAEMULATOR',
        AWS_SECRET_ACCESS_KEY: 'emulator',
        GENAI_DRAIN_MS: '10000',
      },
    );
    await until(() => out.text.includes('front listening'), 60_000, `listening (output: ${out.text})`);
    const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: 'Bearer drain-key', 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'bedrock/anthropic.claude-3-5-haiku-20241022-v1:0',
        messages: [{ role: 'user', content: 'Tell me a long story.' }],
        max_tokens: 40,
        stream: true,
      }),
    });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const first = await reader.read();
    expect(first.done).toBe(false);
    process.kill(child.pid!, 'SIGTERM');
    await until(() => out.text.includes('draining'), 5000, 'draining');
    // New connections are refused while the stream goes on.
    await expect(fetch(`http://127.0.0.1:${port}/health`)).rejects.toThrow();
    let text = new TextDecoder().decode(first.value);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      text += new TextDecoder().decode(value);
    }
    expect(text.trim().endsWith('data: [DONE]')).toBe(true);
    expect(await exited).toBe(0);
    expect(out.text).toContain('stopped');
  });
});
