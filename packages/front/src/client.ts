import type {
  EmbedRequest,
  EmbedResult,
  GenerateRequest,
  GenerateResult,
  StreamEvent,
} from '@genai-deploy/client';

export type {
  ClientOptions,
  ContentPart,
  EmbedRequest,
  EmbedResult,
  ErrorKind,
  FinishReason,
  GenerateRequest,
  GenerateResult,
  ImageMediaType,
  Message,
  ResponseFormat,
  StreamEvent,
  ToolCall,
  ToolChoice,
  ToolDefinition,
} from '@genai-deploy/client';

/**
 * What the front uses of a client from `createClient` (GenAiClient is assignable to it). A narrow
 * interface lets tests and embedders wrap the client (e.g. to count calls) without re-implementing it.
 */
export interface GatewayClient {
  generate(request: GenerateRequest): Promise<GenerateResult>;
  stream(request: GenerateRequest): AsyncIterable<StreamEvent>;
  embed(request: EmbedRequest): Promise<EmbedResult>;
  close(): Promise<void> | void;
}
