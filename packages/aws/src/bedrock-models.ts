import { ArnFormat, Stack, Token } from 'aws-cdk-lib/core';
import type { Construct } from 'constructs';
import { errors } from './errors.js';

/** Geography prefixes of Bedrock cross-region inference profile ids (`us.anthropic...`). */
const PROFILE_PREFIXES = ['us', 'eu', 'apac', 'global', 'us-gov', 'jp', 'au', 'ca'];
const MODEL_ID = /^[a-z0-9-]+\.[a-zA-Z0-9._:-]+$/;

/** IAM resources a caller needs to invoke one Bedrock model id. */
export interface BedrockInvokeResources {
  /** Exact ARNs (the foundation model in its region, or the inference profile). */
  readonly exact: string[];
  /**
   * Foundation-model ARNs with a region wildcard: a cross-region inference profile routes to regions Bedrock
   * picks, and the caller needs the model in each of them.
   */
  readonly anyRegion: string[];
}

/** Whether the id is a cross-region inference profile (`us.`, `eu.`, `apac.`, `global.` ...). */
export function isInferenceProfileId(modelId: string): boolean {
  const first = modelId.split('.')[0] ?? '';
  return PROFILE_PREFIXES.includes(first) && modelId.split('.').length > 2;
}

/** The ARNs to grant `bedrock:InvokeModel*` on for a model id, a profile id or an inference-profile ARN. */
export function bedrockInvokeResources(
  scope: Construct,
  modelId: string,
  region?: string,
): BedrockInvokeResources {
  const stack = Stack.of(scope);
  if (modelId.startsWith('arn:')) {
    // Application inference profile or provisioned throughput: the ARN is already exact.
    return { exact: [modelId], anyRegion: [] };
  }
  if (!Token.isUnresolved(modelId) && !MODEL_ID.test(modelId))
    throw errors.invalidBedrockModelId(scope, modelId);
  const foundationModel = (id: string, r: string) =>
    stack.formatArn({
      service: 'bedrock',
      region: r,
      account: '',
      resource: 'foundation-model',
      resourceName: id,
      arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
    });
  if (isInferenceProfileId(modelId)) {
    const base = modelId.slice(modelId.indexOf('.') + 1);
    return {
      exact: [
        stack.formatArn({
          service: 'bedrock',
          ...(region ? { region } : {}),
          resource: 'inference-profile',
          resourceName: modelId,
          arnFormat: ArnFormat.SLASH_RESOURCE_NAME,
        }),
      ],
      anyRegion: [foundationModel(base, '*')],
    };
  }
  return { exact: [foundationModel(modelId, region ?? stack.region)], anyRegion: [] };
}
