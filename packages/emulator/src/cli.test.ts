import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseCli } from './cli-args.js';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));

function run(args: string[]) {
  return spawn(process.execPath, ['--conditions=@genai-deploy/source', '--import', 'tsx', CLI, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

describe('parseCli', () => {
  it('defaults to port 4010 on 127.0.0.1 and maps latency flags', () => {
    expect(parseCli([])).toEqual({ kind: 'run', options: { port: 4010, host: '127.0.0.1' } });
    expect(
      parseCli([
        '--port',
        '0',
        '--seed',
        '3',
        '--latency-base-ms',
        '5',
        '--latency-profile',
        'h100',
        '--sagemaker-endpoint',
        'x=embeddings',
      ]),
    ).toEqual({
      kind: 'run',
      options: {
        port: 0,
        host: '127.0.0.1',
        seed: 3,
        latency: { baseMs: 5, profile: 'h100' },
        sagemakerEndpoints: { x: 'embeddings' },
      },
    });
  });

  it('explains bad flags', () => {
    expect(parseCli(['--port', 'abc'])).toEqual({
      kind: 'error',
      message: '--port expects an integer from 0 to 65535, received "abc"',
    });
    expect(parseCli(['--latency-profile', 'a100'])).toMatchObject({
      kind: 'error',
      message: expect.stringMatching(/none or h100/),
    });
    expect(parseCli(['--bogus'])).toMatchObject({ kind: 'error', message: expect.stringMatching(/bogus/) });
  });
});

describe('genai-emulator CLI', () => {
  it('prints its URL and serves the control API until SIGTERM', async () => {
    const child = run(['--port', '0']);
    const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
    const url = chunk.toString().trim();
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${url}/_emulator/requests`);
    expect(await res.json()).toMatchObject({ total: 0 });
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('prints usage and exits 2 on a bad flag', async () => {
    const child = run(['--nope']);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const [code] = await once(child, 'exit');
    expect(code).toBe(2);
    expect(stderr).toMatch(/Usage: genai-emulator/);
  });
});
