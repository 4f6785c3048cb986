import { Testing } from 'cdktf';
import type { Construct } from 'constructs';

/** Synthesizes what `build` adds to a fresh test stack; returns the JSON text and its parsed form. */
export function synth(build: (scope: Construct) => void): { json: string; tf: SynthesizedStack } {
  const json = Testing.synthScope(build);
  return { json, tf: JSON.parse(json) as SynthesizedStack };
}

export interface SynthesizedStack {
  resource?: Record<string, Record<string, Record<string, unknown>>>;
  data?: Record<string, Record<string, Record<string, unknown>>>;
  output?: Record<string, { value: unknown; sensitive?: boolean; description?: string }>;
}

/** Every resource of one type, in synthesized order. */
export function resources(tf: SynthesizedStack, type: string): Record<string, unknown>[] {
  return Object.values(tf.resource?.[type] ?? {});
}

/** The only resource of a type; fails when there are none or several. */
export function only(tf: SynthesizedStack, type: string): Record<string, unknown> {
  const all = resources(tf, type);
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0] as Record<string, unknown>;
}

/** The provider project reference that constructs fall back to (`google_client_config`). */
export const PROVIDER_PROJECT = `\${data.google_client_config.GenAiGoogleClientConfig.project}`;
