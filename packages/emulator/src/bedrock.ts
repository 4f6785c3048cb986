import { checkSigV4 } from './aws.js';
import { converse, converseStream } from './bedrock-converse.js';
import { sendBedrockFault } from './bedrock-errors.js';
import { invokeModel, invokeModelWithResponseStream } from './bedrock-invoke.js';
import type { RoutedRequest } from './context.js';
import type { Exchange } from './exchange.js';

/** Bedrock Runtime routes: POST /model/{modelId}/{converse|converse-stream|invoke|invoke-with-response-stream}. */

const ROUTE = /^\/model\/([^/]+)\/(converse|converse-stream|invoke|invoke-with-response-stream)$/;

const OPERATIONS = {
  converse: 'bedrock.converse',
  'converse-stream': 'bedrock.converseStream',
  invoke: 'bedrock.invokeModel',
  'invoke-with-response-stream': 'bedrock.invokeModelWithResponseStream',
} as const;

export function routeBedrock(ex: Exchange): RoutedRequest | undefined {
  const match = ROUTE.exec(ex.path);
  if (!match || ex.method !== 'POST') return undefined;
  let modelId: string;
  try {
    modelId = decodeURIComponent(match[1]!);
  } catch {
    modelId = match[1]!;
  }
  const action = match[2] as keyof typeof OPERATIONS;
  const streaming = action === 'converse-stream' || action === 'invoke-with-response-stream';
  return {
    provider: 'bedrock',
    operation: OPERATIONS[action],
    model: modelId,
    streaming,
    // Bedrock also takes API keys (`Authorization: Bearer`), besides SigV4.
    authenticate: (e) => checkSigV4(e, 'bedrock', 'message', true),
    sendFault: sendBedrockFault,
    handle: async (e, ctx, fault) => {
      switch (action) {
        case 'converse':
          return converse(e, ctx, modelId);
        case 'converse-stream':
          return converseStream(e, ctx, modelId, fault);
        case 'invoke':
          return invokeModel(e, ctx, modelId);
        default:
          return invokeModelWithResponseStream(e, ctx, modelId, fault);
      }
    },
  };
}
