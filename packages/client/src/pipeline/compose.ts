/**
 * Composition of layers around a terminal step: the first layer listed is the outermost, and a layer without
 * a hook for an operation is skipped for it. The order of the client's layers is PIPELINE (steps.ts).
 */
import type { EmbedNext, GenerateNext, Layer, StreamNext } from '../layer.js';

export function composeGenerate(layers: readonly Layer[], terminal: GenerateNext): GenerateNext {
  return layers.reduceRight<GenerateNext>((next, layer) => {
    const hook = layer.generate?.bind(layer);
    return hook ? (req, ctx) => hook(req, ctx, next) : next;
  }, terminal);
}

export function composeStream(layers: readonly Layer[], terminal: StreamNext): StreamNext {
  return layers.reduceRight<StreamNext>((next, layer) => {
    const hook = layer.stream?.bind(layer);
    return hook ? (req, ctx) => hook(req, ctx, next) : next;
  }, terminal);
}

export function composeEmbed(layers: readonly Layer[], terminal: EmbedNext): EmbedNext {
  return layers.reduceRight<EmbedNext>((next, layer) => {
    const hook = layer.embed?.bind(layer);
    return hook ? (req, ctx) => hook(req, ctx, next) : next;
  }, terminal);
}
