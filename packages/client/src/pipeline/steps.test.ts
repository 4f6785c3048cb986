import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { createBudgetLedger } from '../budget/create-budget-ledger.js';
import type { Layer } from '../layer.js';
import { buildPipeline } from './build.js';
import { PIPELINE } from './steps.js';

const src = fileURLToPath(new URL('..', import.meta.url));
const architecture = fileURLToPath(new URL('../../../../docs/ARCHITECTURE.md', import.meta.url));

describe('PIPELINE, the one statement of the order', () => {
  it("is docs/ARCHITECTURE.md's numbered list of the client pipeline, step by step and folder by folder", () => {
    const doc = readFileSync(architecture, 'utf8');
    const start = doc.indexOf('\n## The client pipeline\n');
    expect(start, 'docs/ARCHITECTURE.md has a "## The client pipeline" section').toBeGreaterThan(0);
    const end = doc.indexOf('\n## ', start + 1);
    const section = doc.slice(start, end < 0 ? undefined : end);
    const listed = [...section.matchAll(/^(\d+)\. \*\*([^*]+)\*\* \(([^)]+)\)/gm)].map((m) => ({
      n: Number(m[1]),
      name: m[2],
      folder: m[3],
    }));
    expect(listed).toEqual(PIPELINE.map((s, i) => ({ n: i + 1, name: s.name, folder: s.folder })));
  });

  it('names folders that exist', () => {
    for (const step of PIPELINE) expect(existsSync(`${src}${step.folder}`), step.folder).toBe(true);
  });

  it("is the order buildPipeline composes, with the user's layers after their group's built-in ones", async () => {
    const user = (name: string): Layer => ({ name });
    const { layers } = buildPipeline({
      budget: { ledger: createBudgetLedger(), scopes: () => [] },
      rateLimit: { requestsPerMinute: 60 },
      attemptTimeoutMs: 1_000,
      layers: { request: [user('mine-request')], target: [user('mine-target')] },
    });
    expect(layers.map((l) => l.name)).toEqual([
      'budget',
      'cache',
      'coalesce',
      'batch',
      'mine-request',
      'fallback',
      'embedding-split',
      'retry',
      'circuit-breaker',
      'rate-limit',
      'attempt-timeout',
      'mine-target',
    ]);
    const builtIn = layers.map((l) => l.name).filter((n) => !n.startsWith('mine-'));
    expect(builtIn).toEqual(
      PIPELINE.filter((s) => s.group !== 'call' && s.group !== 'provider').map((s) => s.name),
    );
    for (const layer of layers) await layer.close?.();
  });

  it('leaves out the steps the options turn off', () => {
    const { layers } = buildPipeline({
      cache: false,
      coalesce: false,
      batch: false,
      retry: false,
      circuitBreaker: false,
    });
    expect(layers.map((l) => l.name)).toEqual(['fallback', 'embedding-split']);
  });
});
