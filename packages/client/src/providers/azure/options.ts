import type { KeyCredential, TokenCredential } from '@azure/core-auth';

/** `providers.azure`: required to use `azure/...` models (the endpoint has no default). */
export interface AzureProviderOptions {
  /**
   * Azure AI inference endpoint: an Azure AI Foundry / AI services `https://<resource>.services.ai.azure.com/models`
   * endpoint, an Azure ML managed online endpoint, or the emulator's URL. The model address names the deployment.
   */
  readonly endpoint: string;
  /** API key. @default - `credential`, else the AZURE_INFERENCE_CREDENTIAL environment variable, else DefaultAzureCredential */
  readonly apiKey?: string;
  /** A key or Entra ID token credential. @default - see apiKey */
  readonly credential?: KeyCredential | TokenCredential;
  /** API version sent as `api-version`. @default - the client's default (2024-05-01-preview) */
  readonly apiVersion?: string;
  /**
   * Entra ID token scopes asked of a TokenCredential (ModelClient's `credentials.scopes`); unused with a key.
   * `https://ml.azure.com/.default` for Azure ML managed online endpoints (`*.inference.ml.azure.com`),
   * `https://cognitiveservices.azure.com/.default` for Azure AI Foundry / AI services and Azure OpenAI.
   * @default - `https://cognitiveservices.azure.com/.default` for `*.services.ai.azure.com`,
   * `*.cognitiveservices.azure.com` and `*.openai.azure.com` endpoints; otherwise the @azure-rest/ai-inference
   * default, `https://ml.azure.com/.default`
   */
  readonly scopes?: readonly string[];
}
