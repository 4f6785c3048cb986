import type { AuthClient } from 'google-auth-library';

/** `providers.vertex`: required to use `vertex/...` models (project and location have no default). */
export interface VertexProviderOptions {
  readonly project: string;
  /** Region such as us-central1, or 'global'. */
  readonly location: string;
  /**
   * Endpoint override: an http(s) URL (e.g. the emulator's `http://127.0.0.1:4010`) or a bare host
   * (`us-central1-aiplatform.googleapis.com`, optionally `:port`).
   * @default - `{location}-aiplatform.googleapis.com` (`aiplatform.googleapis.com` for 'global')
   */
  readonly endpoint?: string;
  /**
   * Wire protocol. `'grpc'`: the official client's default transport (HTTP/2; TLS, except to an `http://`
   * endpoint, which gets an insecure channel, e.g. the emulator). `'rest'`: JSON over HTTP/1.1 (gax's fallback).
   * @default - 'rest' when `endpoint` is an http(s) URL, else 'grpc'
   */
  readonly transport?: 'rest' | 'grpc';
  /**
   * How `embed` calls reach `predict`. `'client'`: through the official client on `transport`, which converts
   * every vector component JSON → protobuf Value → object (about 1 ms of CPU per 768-dimension vector, measured:
   * the bound on batched throughput). `'rest-json'`: the same documented REST call (URL, body, credentials and
   * error body as the client's REST transport) sent through google-auth-library's authenticated `request` and
   * decoded as plain JSON, about 5x less client CPU per vector. Generation always uses the client.
   * @default 'client'
   */
  readonly embedTransport?: 'client' | 'rest-json';
  /** @default - Application Default Credentials (google-auth-library's GoogleAuth) */
  readonly authClient?: AuthClient;
}
