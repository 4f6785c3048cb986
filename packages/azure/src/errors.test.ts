import { CONSTRUCT_ERROR_CODE, isConstructError } from '@genai-deploy/config';
import { describe, expect, it } from 'vitest';
import { AzureConstructError, errors, isAzureConstructError } from './errors.js';

const P = 'stack/Thing';

// One sample per factory; `satisfies` makes a new factory without a sample a type error.
const samples = {
  invalidAzapiType: () => errors.invalidAzapiType(P, 'x'),
  azapiBodyIsString: () => errors.azapiBodyIsString(P),
  invalidName: () => errors.invalidName(P, 'name', 'A_B', 'lowercase letters'),
  outOfRange: () => errors.outOfRange(P, 'count', 0, 1, 10, 'Use 1 to 10.'),
  minGreaterThanMax: () => errors.minGreaterThanMax(P, 'capacity', 3, 2),
  unknownInstanceType: () => errors.unknownInstanceType(P, 'Standard_X', ['Standard_NC24ads_A100_v4']),
  modelAndEnvironmentMissing: () => errors.modelAndEnvironmentMissing(P, 'blue'),
  invalidRegistryModelId: () => errors.invalidRegistryModelId(P, 'blue', 'llama'),
  invalidDuration: () => errors.invalidDuration(P, 'requestTimeout', '90s'),
  durationOutOfRange: () => errors.durationOutOfRange(P, 'requestTimeout', 'PT1H', 'PT1S', 'PT3M'),
  duplicateDeployment: () => errors.duplicateDeployment(P, 'blue'),
  noDeployments: () => errors.noDeployments(P),
  trafficUnknownDeployment: () => errors.trafficUnknownDeployment(P, 'green', ['blue']),
  trafficSum: () => errors.trafficSum(P, { blue: 90 }, 90),
  trafficValue: () => errors.trafficValue(P, 'blue', 101),
  mirrorTraffic: () => errors.mirrorTraffic(P, 'mirrorTraffic for "green" is 60, outside 0-50.'),
  invalidAutoscale: () => errors.invalidAutoscale(P, 'blue', 'minimum above maximum'),
  invalidPort: () => errors.invalidPort(P, 'port', 0),
  invalidRoutePath: () => errors.invalidRoutePath(P, 'livenessRoute', 'health'),
  reservedEnvironmentVariable: () => errors.reservedEnvironmentVariable(P, 'GENAI_CONFIG', 'Use config.'),
  secretLikeEnvironmentValue: () => errors.secretLikeEnvironmentValue(P, 'API_TOKEN'),
  invalidSku: () => errors.invalidSku(P, 'sku', 'Tiny', ['Balanced_B0']),
  redisModules: () => errors.redisModules(P, 'OSSCluster', 'AllKeysLRU'),
  privateRegistryNeedsPremium: () => errors.privateRegistryNeedsPremium(P, 'Basic'),
  searchCapacity: () => errors.searchCapacity(P, 'free', 'one replica only.'),
  searchOption: () => errors.searchOption(P, 'free', 'semanticSearch', 'Use basic or above.'),
  invalidFrontConfig: () => errors.invalidFrontConfig(P, '  - routes.chat: bad'),
  secretInFrontConfig: () => errors.secretInFrontConfig(P, 'cache.redisUrl'),
  invalidKeyVaultSecretId: () => errors.invalidKeyVaultSecretId(P, 'secret'),
  keyVaultIdMissing: () => errors.keyVaultIdMissing(P, 1),
  invalidEndpointName: () => errors.invalidEndpointName(P, 'chat_llm'),
  vectorStoreEmbedding: () =>
    errors.vectorStoreEmbedding(P, { code: 'vector-store-dimension-unknown', model: 'azure/embed' }),
  invalidSearchIndexName: () => errors.invalidSearchIndexName(P, 'Chunks'),
  tracingSharedEnvironment: () => errors.tracingSharedEnvironment(P),
} satisfies Record<keyof typeof errors, () => AzureConstructError>;

describe('errors', () => {
  const made = Object.entries(samples).map(([name, make]) => [name, make()] as const);

  it.each(made)('%s names the construct and has a kebab-case code', (_name, error) => {
    expect(error).toBeInstanceOf(AzureConstructError);
    expect(isAzureConstructError(error) && isConstructError(error)).toBe(true);
    expect(error.message.startsWith(`${P}: `)).toBe(true);
    expect(error.constructPath).toBe(P);
    expect(error.code).toMatch(CONSTRUCT_ERROR_CODE);
    expect(error.legacyCode).toMatch(/^[A-Z][A-Z0-9_]+$/);
  });

  it('gives each rule its own code, in both spellings', () => {
    expect(new Set(made.map(([, e]) => e.code)).size).toBe(made.length);
    expect(new Set(made.map(([, e]) => e.legacyCode)).size).toBe(made.length);
  });
});
