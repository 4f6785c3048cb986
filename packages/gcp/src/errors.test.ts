import { CONSTRUCT_ERROR_CODE, isConstructError } from '@genai-deploy/config';
import { describe, expect, it } from 'vitest';
import { errors, GcpConstructError, isGcpConstructError } from './errors.js';

const P = 'stack/Thing';

// One sample per factory; `satisfies` makes a new factory without a sample a type error.
const samples = {
  locationRequired: () => errors.locationRequired(P),
  modelSourceConflict: () => errors.modelSourceConflict(P, 'publishers/a/models/b@c', 'a/b'),
  publisherModelNameFormat: () => errors.publisherModelNameFormat(P, 'gemma'),
  huggingFaceModelIdFormat: () => errors.huggingFaceModelIdFormat(P, 'gemma'),
  machineTypeRequired: () => errors.machineTypeRequired(P),
  unknownMachineType: () => errors.unknownMachineType(P, 'g2-standard-10', 'g2-standard', ['g2-standard-4']),
  acceleratorMismatch: () => errors.acceleratorMismatch(P, 'g2-standard-4', 'NVIDIA_TESLA_T4', ['NVIDIA_L4']),
  acceleratorCount: () => errors.acceleratorCount(P, 'g2-standard-4', 'NVIDIA_L4', 2, [1]),
  n1TooManyVcpus: () => errors.n1TooManyVcpus(P, 'n1-standard-32', 'NVIDIA_TESLA_V100', 1, 32, 12),
  acceleratorWithoutGpuFamily: () => errors.acceleratorWithoutGpuFamily(P, 'e2-standard-4', 'NVIDIA_L4'),
  acceleratorNotInProvider: () => errors.acceleratorNotInProvider(P, 'g4-standard-48', 'NVIDIA_RTX_PRO_6000'),
  acceleratorCountWithoutType: () => errors.acceleratorCountWithoutType(P, 2),
  replicas: () => errors.replicas(P, 3, 2),
  minReplicasBelowOne: () => errors.minReplicasBelowOne(P, 0),
  percentTarget: () => errors.percentTarget(P, 'autoscaling.cpuUtilization', 0),
  pscNotSupportedForModelGarden: () => errors.pscNotSupportedForModelGarden(P),
  endpointOnlyOption: () => errors.endpointOnlyOption(P, 'machineType'),
  modelGardenOnlyOption: () => errors.modelGardenOnlyOption(P, 'network'),
  pscAndNetwork: () => errors.pscAndNetwork(P),
  dedicatedAndPrivate: () => errors.dedicatedAndPrivate(P),
  hfTokenWithoutHfModel: () => errors.hfTokenWithoutHfModel(P),
  invalidEnum: () => errors.invalidEnum(P, 'ingress', 'public', ['all']),
  outOfRange: () => errors.outOfRange(P, 'concurrency', 0, 1, 1000, 'use 1 to 1000.'),
  instanceRange: () => errors.instanceRange(P, 5, 2),
  invalidFrontConfig: () => errors.invalidFrontConfig(P, '  - routes.chat: bad'),
  secretInConfig: () => errors.secretInConfig(P, 'config.cache.redisUrl'),
  reservedEnv: () => errors.reservedEnv(P, 'GENAI_CONFIG'),
  cacheWithoutVpc: () => errors.cacheWithoutVpc(P),
  invalidName: () => errors.invalidName(P, 'serviceName', 'A_B', 'lowercase letters'),
  cacheNetwork: () => errors.cacheNetwork(P),
  valkeySubnets: () => errors.valkeySubnets(P),
  valkeyShards: () => errors.valkeyShards(P, 'CLUSTER_DISABLED', 3),
  redisTierReplicas: () => errors.redisTierReplicas(P, 'BASIC', 1),
  vectorDimensions: () => errors.vectorDimensions(P, 0),
  vectorEndpointMode: () => errors.vectorEndpointMode(P),
  treeAhLeafPercent: () => errors.treeAhLeafPercent(P, 0),
  deployedIndexId: () => errors.deployedIndexId(P, '1x'),
  vectorStoreEmbedding: () =>
    errors.vectorStoreEmbedding(P, { code: 'vector-store-embedding-model-missing', candidates: [] }),
  vectorStoreWithoutCache: () => errors.vectorStoreWithoutCache(P),
  vectorStoreCache: () =>
    errors.vectorStoreCache(P, 'maxmemoryPolicy is "allkeys-lru". Fix: use "volatile-lru".'),
  vectorSearchForFront: () =>
    errors.vectorSearchForFront(P, 'access.type', '"psc"', '"public"', 'findNeighbors goes over REST'),
  tracingCollector: () => errors.tracingCollector(P, false),
  tracingEndpoint: () => errors.tracingEndpoint(P, 'otel:4318'),
} satisfies Record<keyof typeof errors, () => GcpConstructError>;

describe('errors', () => {
  const made = Object.entries(samples).map(([name, make]) => [name, make()] as const);

  it.each(made)('%s names the construct and says how to fix it', (_name, error) => {
    expect(error).toBeInstanceOf(GcpConstructError);
    expect(error.message.startsWith(`${P}: `)).toBe(true);
    expect(error.message).toMatch(/Fix: \S/);
    expect(error.constructPath).toBe(P);
    expect(error.code).toMatch(CONSTRUCT_ERROR_CODE);
    expect(isConstructError(error)).toBe(true);
  });

  it('gives each rule its own code', () => {
    const codes = made.map(([, e]) => e.code);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it('recognizes errors from another copy of the package by their marker, not their class', () => {
    expect(isGcpConstructError(made[0]?.[1])).toBe(true);
    expect(isGcpConstructError(Object.assign(new Error('x'), { isGcpConstructError: true }))).toBe(true);
    expect(isGcpConstructError(new Error('x'))).toBe(false);
    expect(isGcpConstructError(undefined)).toBe(false);
  });
});
