import { prng } from './content.js';
import type { Exchange } from './exchange.js';
import type { LatencyOptions } from './types.js';

/**
 * H100 measurements from data/gpu-batch-profile-h100.json (random-weight models, PyTorch eager), copied here
 * so the published package does not need the data file. [batch, ms].
 */
/** BERT-base fp16, 128 tokens: one forward pass for a batch of texts. */
export const H100_ENCODER_MS: readonly (readonly [number, number])[] = [
  [1, 7.605],
  [2, 7.274],
  [4, 7.082],
  [8, 7.251],
  [16, 7.168],
  [32, 7.114],
  [64, 7.165],
  [128, 7.566],
  [256, 15.065],
  [512, 29.691],
];
/** ~850M Llama-style decoder, bf16, 512 context: prefill of `batch` × 512 tokens. */
export const H100_PREFILL_MS: readonly (readonly [number, number])[] = [
  [1, 20.47],
  [2, 15.49],
  [4, 17.76],
  [8, 19.95],
  [16, 36.76],
  [32, 71.69],
  [64, 141.08],
  [128, 286.97],
  [256, 569.69],
];
/** Same decoder: one decode step for `batch` sequences in flight. */
export const H100_DECODE_STEP_MS: readonly (readonly [number, number])[] = [
  [1, 64.364],
  [2, 72.011],
  [4, 81.521],
  [8, 58.023],
  [16, 68.262],
  [32, 68.307],
  [64, 57.685],
  [128, 77.182],
  [256, 52.884],
];

/** Piecewise-linear interpolation in log2(batch); linear extrapolation in batch past the last point. */
export function interpolate(table: readonly (readonly [number, number])[], batch: number): number {
  const first = table[0]!;
  const last = table[table.length - 1]!;
  if (batch <= first[0]) return first[1];
  if (batch >= last[0]) return (last[1] * batch) / last[0];
  for (let i = 1; i < table.length; i++) {
    const [b1, ms1] = table[i]!;
    const [b0, ms0] = table[i - 1]!;
    if (batch <= b1) {
      const t = (Math.log2(batch) - Math.log2(b0)) / (Math.log2(b1) - Math.log2(b0));
      return ms0 + t * (ms1 - ms0);
    }
  }
  return last[1];
}

/** The emulator's latency model; all zero unless configured. */
export class LatencyModel {
  private readonly baseMs: number;
  private readonly perTokenMs: number;
  private readonly perInputTokenMs: number;
  private readonly h100: boolean;
  private readonly scale: number;
  private readonly jitter: number;
  private readonly rand: () => number;
  /** Generations in flight: the decode "batch" of the H100 profile. */
  private generating = 0;
  private readonly embeddingReplicas: number;
  /** Per embedding model: when each of its replicas finishes the work already scheduled on it. */
  private readonly replicaFreeAt = new Map<string, number[]>();

  constructor(options: LatencyOptions = {}, seed = 0) {
    this.baseMs = options.baseMs ?? 0;
    this.perTokenMs = options.perTokenMs ?? 0;
    this.perInputTokenMs = options.perInputTokenMs ?? 0;
    this.h100 = (options.profile ?? 'none') === 'h100';
    this.scale = options.scale ?? 1;
    this.jitter = options.jitter ?? 0;
    this.rand = prng(seed ^ 0x9e3779b9);
    this.embeddingReplicas = options.embeddingReplicas ?? (this.h100 ? 1 : Number.POSITIVE_INFINITY);
    if (
      this.embeddingReplicas !== Number.POSITIVE_INFINITY &&
      (!Number.isInteger(this.embeddingReplicas) || this.embeddingReplicas < 1)
    )
      throw new RangeError(
        `latency.embeddingReplicas must be a positive integer, received ${options.embeddingReplicas}`,
      );
    for (const [key, value] of Object.entries({
      baseMs: this.baseMs,
      perTokenMs: this.perTokenMs,
      perInputTokenMs: this.perInputTokenMs,
      scale: this.scale,
      jitter: this.jitter,
    })) {
      if (!Number.isFinite(value) || value < 0)
        throw new RangeError(`latency.${key} must be a non-negative number, received ${value}`);
    }
    if (options.profile !== undefined && options.profile !== 'none' && options.profile !== 'h100')
      throw new RangeError(
        `latency.profile must be 'none' or 'h100', received ${JSON.stringify(options.profile)}`,
      );
  }

  get enabled(): boolean {
    return this.baseMs > 0 || this.perTokenMs > 0 || this.perInputTokenMs > 0 || this.h100;
  }

  private shape(ms: number): number {
    if (ms <= 0) return 0;
    const jittered = this.jitter > 0 ? ms * (1 + this.jitter * (2 * this.rand() - 1)) : ms;
    return Math.max(0, jittered * this.scale);
  }

  /** Time to first byte of a generation: base + prefill. */
  firstTokenMs(inputTokens: number): number {
    let ms = this.baseMs + this.perInputTokenMs * inputTokens;
    if (this.h100) ms += interpolate(H100_PREFILL_MS, Math.max(1, inputTokens / 512));
    return this.shape(ms);
  }

  /** Time per output token, given the generations now in flight. */
  tokenMs(): number {
    let ms = this.perTokenMs;
    if (this.h100) ms += interpolate(H100_DECODE_STEP_MS, Math.max(1, this.generating));
    return this.shape(ms);
  }

  /** Time of an embedding call of `texts` texts: base + the encoder's batch cost curve. */
  embeddingMs(texts: number): number {
    let ms = this.baseMs;
    if (this.h100) ms += interpolate(H100_ENCODER_MS, Math.max(1, texts));
    return this.shape(ms);
  }

  /**
   * Delay of an embedding call of `texts` texts to `model`, queueing behind the calls already scheduled on the
   * model's replicas (each replica runs one forward pass at a time).
   */
  embeddingDelayMs(model: string, texts: number): number {
    const ms = this.embeddingMs(texts);
    if (ms <= 0 || this.embeddingReplicas === Number.POSITIVE_INFINITY) return ms;
    const now = performance.now();
    let replicas = this.replicaFreeAt.get(model);
    if (!replicas) {
      replicas = new Array<number>(this.embeddingReplicas).fill(0);
      this.replicaFreeAt.set(model, replicas);
    }
    let best = 0;
    for (let i = 1; i < replicas.length; i++) if (replicas[i]! < replicas[best]!) best = i;
    const done = Math.max(now, replicas[best]!) + ms;
    replicas[best] = done;
    return done - now;
  }

  /** Counts a generation as in flight until the returned function is called. */
  beginGeneration(): () => void {
    this.generating += 1;
    let done = false;
    return () => {
      if (!done) {
        done = true;
        this.generating -= 1;
      }
    };
  }
}

/** Waits `ms`, or less if the exchange closes first. Zero costs nothing (no timer, no tick). */
export function pause(ms: number, ex?: Exchange): Promise<void> | undefined {
  if (ms <= 0) return undefined;
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    ex?.onClose(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
