import { CONSTRUCT_ERROR_CODE, isConstructError } from '@genai-deploy/config';
import { App, Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { type AwsConstructError, errors, isAwsConstructError } from './errors.js';

describe('errors', () => {
  const scope = new Stack(new App(), 'S');

  it('every factory names the construct, what was wrong and how to fix it', () => {
    const samples: AwsConstructError[] = [
      errors.unknownInstanceType(scope, 'ml.x', ['ml.g5.xlarge']),
      errors.notAnMlInstance(scope, 'g5.xlarge'),
      errors.nvmeVolumeSize(scope, 'ml.g5.xlarge', 10),
      errors.nvmeKmsKey(scope, 'ml.g5.xlarge'),
      errors.modelTooLarge(scope, {
        modelSizeGib: 30,
        instanceType: 'ml.g5.xlarge',
        gpus: 1,
        usableGib: 21.6,
      }),
      errors.tooManyGpus(scope, 2, 'ml.g5.xlarge', 1),
      errors.quantizationUnsupported(scope, 'awq', 'custom', []),
      errors.fp8NeedsHopperOrAda(scope, 'ml.g5.xlarge'),
      errors.invalidRange(scope, 'x', 0, 1, 2, 'use 1..2.'),
      errors.minAboveMax(scope, 'autoScaling', 3, 2),
      errors.realtimeMinZero(scope),
      errors.conflictingModes(scope, 'a', 'b'),
      errors.invalidName(scope, 'n', 'A', '^a$', 3),
      errors.plaintextSecret(scope, 'HF_TOKEN'),
      errors.invalidFrontConfig(scope, '  - routes.chat: bad'),
      errors.secretInFrontConfig(scope, 'cache.redisUrl'),
      errors.frontBundleMissing(scope, 'not built'),
      errors.unknownModelTarget(scope, 'x', ['y']),
      errors.frontCannotInvoke(scope, 'Llama'),
      errors.noModels(scope),
      errors.invalidBedrockModelId(scope, 'claude'),
      errors.wafRegion(scope, 'eu-west-1'),
      errors.vectorDimension(scope, 0, 'faiss', 16000),
      errors.vectorEngineSpace(scope, 'faiss', 'cosinesimil', ['l2']),
      errors.cacheUsageLimits(scope, 'x', 0, 1, 2),
      errors.snapshotTime(scope, '3am'),
      errors.unknownDlcRegion(scope, 'mx-central-1', ['us-east-1']),
      errors.isolationNeedsS3(scope),
      errors.invalidS3Key(scope, 'x'),
      errors.grantNeedsArn(scope),
      errors.emptyAccessPolicy(scope),
      errors.vpcRequired(scope, 'x'),
      errors.vectorStoreEmbedding(scope, { code: 'vector-store-dimension-unknown', model: 'sagemaker/e5' }),
      errors.vectorIndexMapping(scope, 'vectors'),
      errors.tracingOff(scope),
      errors.tracingEndpoint(scope, 'ftp://x'),
      errors.tracingTwoExporters(scope),
    ];
    expect(samples).toHaveLength(Object.keys(errors).length);
    for (const e of samples) {
      expect(isAwsConstructError(e)).toBe(true);
      expect(isConstructError(e)).toBe(true);
      expect(e.constructPath).toBe('S');
      expect(e.message.startsWith('[S] ')).toBe(true);
      expect(e.message).toMatch(/Fix:/);
      expect(e.code).toMatch(CONSTRUCT_ERROR_CODE);
      expect(e.legacyCode).toMatch(/^[A-Z][A-Za-z0-9]+$/);
    }
    expect(errors.frontBundleMissing(scope, 'not built').message).toMatch(
      /cannot find the front's prebuilt Lambda bundle: not built\. Expected: lambda\/front\/index\.mjs .* Fix: reinstall .*npm run build:lambda -w @genai-deploy\/aws.*pass `code`.*or `entry`/,
    );
  });
});
