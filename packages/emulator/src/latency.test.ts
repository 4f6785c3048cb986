import { describe, expect, it } from 'vitest';
import { startEmulator } from './index.js';
import { H100_DECODE_STEP_MS, H100_ENCODER_MS, interpolate, LatencyModel } from './latency.js';

describe('interpolate', () => {
  it('returns measured points, interpolates in log2(batch), extrapolates linearly', () => {
    expect(interpolate(H100_ENCODER_MS, 1)).toBe(7.605);
    expect(interpolate(H100_ENCODER_MS, 256)).toBe(15.065);
    const mid = interpolate(H100_ENCODER_MS, 181); // between 128 and 256
    expect(mid).toBeGreaterThan(7.566);
    expect(mid).toBeLessThan(15.065);
    expect(interpolate(H100_ENCODER_MS, 1024)).toBeCloseTo(29.691 * 2, 6);
  });
});

describe('LatencyModel', () => {
  it('is zero by default', () => {
    const model = new LatencyModel();
    expect(model.enabled).toBe(false);
    expect(model.firstTokenMs(1000) + model.tokenMs() + model.embeddingMs(96)).toBe(0);
  });

  it('adds base, per-token and per-input-token costs, scaled', () => {
    const model = new LatencyModel({ baseMs: 10, perTokenMs: 2, perInputTokenMs: 0.5, scale: 2 });
    expect(model.firstTokenMs(10)).toBe(30);
    expect(model.tokenMs()).toBe(4);
    expect(model.embeddingMs(5)).toBe(20);
  });

  it('h100: embeddings follow the encoder batch curve; decode steps follow the generations in flight', () => {
    const model = new LatencyModel({ profile: 'h100' });
    expect(model.embeddingMs(1)).toBeCloseTo(7.605, 6);
    expect(model.embeddingMs(128)).toBeCloseTo(7.566, 6);
    expect(model.embeddingMs(512)).toBeCloseTo(29.691, 6);
    expect(model.tokenMs()).toBeCloseTo(H100_DECODE_STEP_MS[0]![1], 6);
    const done = Array.from({ length: 8 }, () => model.beginGeneration());
    expect(model.tokenMs()).toBeCloseTo(58.023, 6);
    for (const d of done) d();
    expect(model.tokenMs()).toBeCloseTo(64.364, 6);
  });

  it('h100: embedding calls to one model queue on its replicas; other models do not wait', () => {
    const model = new LatencyModel({ profile: 'h100' });
    const one = model.embeddingMs(1);
    const first = model.embeddingDelayMs('vertex/a', 1);
    const second = model.embeddingDelayMs('vertex/a', 1);
    const other = model.embeddingDelayMs('vertex/b', 1);
    expect(first).toBeCloseTo(one, 0);
    expect(second).toBeGreaterThan(first + one * 0.9);
    expect(other).toBeCloseTo(one, 0);
    // 1,000 single texts pay 1,000 passes; four calls of 250 pay four.
    const serial = new LatencyModel({ profile: 'h100' });
    let last = 0;
    for (let i = 0; i < 1000; i++) last = serial.embeddingDelayMs('m', 1);
    const batched = new LatencyModel({ profile: 'h100' });
    let lastBatch = 0;
    for (let i = 0; i < 4; i++) lastBatch = batched.embeddingDelayMs('m', 250);
    expect(last / lastBatch).toBeGreaterThan(50);
    const two = new LatencyModel({ profile: 'h100', embeddingReplicas: 2 });
    two.embeddingDelayMs('m', 1);
    expect(two.embeddingDelayMs('m', 1)).toBeCloseTo(one, 0);
    expect(() => new LatencyModel({ profile: 'h100', embeddingReplicas: 0 })).toThrow(
      /latency.embeddingReplicas must be a positive integer, received 0/,
    );
  });

  it('jitter is seeded and bounded', () => {
    const a = new LatencyModel({ baseMs: 100, jitter: 0.1 }, 5);
    const b = new LatencyModel({ baseMs: 100, jitter: 0.1 }, 5);
    const xs = Array.from({ length: 50 }, () => a.firstTokenMs(0));
    expect(Array.from({ length: 50 }, () => b.firstTokenMs(0))).toEqual(xs);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(90);
    expect(Math.max(...xs)).toBeLessThanOrEqual(110);
  });

  it('rejects bad options with the field and value', () => {
    expect(() => new LatencyModel({ baseMs: -1 })).toThrow(
      'latency.baseMs must be a non-negative number, received -1',
    );
    expect(() => new LatencyModel({ profile: 'a100' as 'h100' })).toThrow(
      /'none' or 'h100', received "a100"/,
    );
  });
});

describe('latency through the server', () => {
  it('paces a stream at perTokenMs per chunk (a lower bound: timers never fire early)', async () => {
    const emulator = await startEmulator({ latency: { baseMs: 20, perTokenMs: 5 } });
    try {
      const started = performance.now();
      const res = await fetch(`${emulator.url}/chat/completions?api-version=2024-05-01-preview`, {
        method: 'POST',
        headers: { 'api-key': 'k', 'content-type': 'application/json' },
        body: JSON.stringify({
          messages: [{ role: 'user', content: 'pace me' }],
          stream: true,
          max_tokens: 10,
        }),
      });
      const body = await res.text();
      const elapsed = performance.now() - started;
      expect(body).toContain('[DONE]');
      // 20 ms first byte + 9 gaps of 5 ms between the 10 content chunks.
      expect(elapsed).toBeGreaterThanOrEqual(20 + 9 * 5 - 2);
    } finally {
      await emulator.close();
    }
  });

  it('startEmulator rejects bad options', async () => {
    await expect(startEmulator({ port: 70000 })).rejects.toThrow(/port must be an integer from 0 to 65535/);
    await expect(startEmulator({ latency: { perTokenMs: Number.NaN } })).rejects.toThrow(
      /latency.perTokenMs/,
    );
    await expect(startEmulator({ sagemakerEndpoints: { x: 'gpu' as 'tgi' } })).rejects.toThrow(
      /'tgi' or 'embeddings'/,
    );
  });
});
