/**
 * The team's models: one route per role, so each agent pays for what it needs. Routing and the publish call
 * run on a cheap model, the writer on a stronger one that falls back across clouds, the researcher on an open
 * model served from a SageMaker endpoint. The client is pointed at the emulator of the four clouds; against
 * the real clouds, only `providers` change (credentials from each cloud's default chain).
 */
import { type ClientOptions, createClient, type GenAiClient } from '@genai-deploy/client';
import { ChatGenAiDeploy, GenAiDeployEmbeddings } from '@genai-deploy/langchain';
import { OAuth2Client } from 'google-auth-library';

export const ROUTES = {
  /** Cheap and fast: the supervisor's routing decisions and the publisher's tool call. */
  router: { targets: ['azure/gpt-4o-mini', 'vertex/gemini-2.0-flash'] },
  /** Stronger, for writing; Vertex answers when Bedrock is throttled, down or its circuit is open. */
  writer: { targets: ['bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0', 'vertex/gemini-2.5-pro'] },
} as const;

/** An open model on a SageMaker endpoint serving the Messages API (tools need it). */
export const RESEARCHER_MODEL = 'sagemaker/llama-3-8b-messages';
export const EMBEDDING_MODEL = 'azure/text-embedding-3-small';

export interface TeamModels {
  readonly supervisor: ChatGenAiDeploy;
  readonly researcher: ChatGenAiDeploy;
  readonly writer: ChatGenAiDeploy;
  readonly publisher: ChatGenAiDeploy;
  readonly embeddings: GenAiDeployEmbeddings;
}

/** A client whose four providers are the emulator at `url` (fake credentials, only ever sent there). */
export function emulatorClient(
  url: string,
  options: Omit<ClientOptions, 'providers' | 'routes'> = {},
): GenAiClient {
  const credentials = { accessKeyId: 'AKIALOCALAGENTS', secretAccessKey: 'local-agents-secret' };
  const authClient = new OAuth2Client();
  authClient.setCredentials({ access_token: 'local-agents-token', expiry_date: Date.now() + 86_400_000 });
  return createClient({
    // Agent turns are never answered from a cache: the same question later in a run must reach the model.
    cache: false,
    ...options,
    routes: ROUTES,
    providers: {
      bedrock: { region: 'us-east-1', endpoint: url, credentials },
      sagemaker: {
        region: 'us-east-1',
        endpoint: url,
        credentials,
        adapters: { 'llama-3-8b-messages': 'messages' },
      },
      vertex: { project: 'local-project', location: 'us-central1', endpoint: url, authClient },
      azure: { endpoint: url, apiKey: 'local-agents-key' },
    },
  });
}

export function teamModels(client: GenAiClient): TeamModels {
  return {
    supervisor: new ChatGenAiDeploy({ client, model: 'router', temperature: 0, maxTokens: 256 }),
    researcher: new ChatGenAiDeploy({ client, model: RESEARCHER_MODEL, temperature: 0, maxTokens: 512 }),
    writer: new ChatGenAiDeploy({ client, model: 'writer', temperature: 0.7, maxTokens: 1024 }),
    publisher: new ChatGenAiDeploy({ client, model: 'router', temperature: 0, maxTokens: 256 }),
    embeddings: new GenAiDeployEmbeddings({ client, model: EMBEDDING_MODEL }),
  };
}
