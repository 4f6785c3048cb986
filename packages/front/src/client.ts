// TEMPORARY: @genai-deploy/client's index does not export its types yet; switch to the package import
// as soon as it does (one place to change).
export type {
  EmbedRequest,
  EmbedResult,
  ErrorKind,
  FinishReason,
  GenerateRequest,
  GenerateResult,
  Message,
  StreamEvent,
} from '../../client/src/types.js';

import type {
  EmbedRequest,
  EmbedResult,
  GenerateRequest,
  GenerateResult,
  StreamEvent,
} from '../../client/src/types.js';

/** What the front uses of a client from `createClient` (the whole public surface but `onEvent`). */
export interface GatewayClient {
  generate(request: GenerateRequest): Promise<GenerateResult>;
  stream(request: GenerateRequest): AsyncIterable<StreamEvent>;
  embed(request: EmbedRequest): Promise<EmbedResult>;
  close(): Promise<void> | void;
}
