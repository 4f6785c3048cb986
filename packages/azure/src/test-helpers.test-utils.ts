import { Testing } from 'cdktf';
import type { Construct } from 'constructs';
import { expect } from 'vitest';
import { type AzureConstructError, isAzureConstructError } from './errors.js';
import type { ResourceGroupRef } from './resource-group-ref.js';

export const RG: ResourceGroupRef = {
  name: 'rg-test',
  id: '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-test',
  location: 'eastus2',
};

/** Synthesizes a scope and returns the parsed Terraform JSON. */
// biome-ignore lint/suspicious/noExplicitAny: synthesized Terraform JSON is untyped
export function synth(fn: (scope: Construct) => void): any {
  return JSON.parse(Testing.synthScope(fn));
}

/** All resources of one type, as an array of their configurations. */
// biome-ignore lint/suspicious/noExplicitAny: synthesized Terraform JSON is untyped
export function resources(json: any, type: string): any[] {
  return Object.values(json.resource?.[type] ?? {});
}

/**
 * Asserts that building the scope throws an AzureConstructError with this code (kebab-case, or the former
 * UPPER_SNAKE_CASE spelling these tables were written with) and message.
 */
export function expectConstructError(fn: (scope: Construct) => void, code: string, message: RegExp): void {
  let error: unknown;
  try {
    Testing.synthScope(fn);
  } catch (e) {
    error = e;
  }
  expect(isAzureConstructError(error), `expected an AzureConstructError, got ${String(error)}`).toBe(true);
  const { code: actual, legacyCode } = error as AzureConstructError;
  expect(code === actual || code === legacyCode, `expected code ${code}, got ${actual} (${legacyCode})`).toBe(
    true,
  );
  expect((error as Error).message).toMatch(message);
}
