import { OAuth2Client } from 'google-auth-library';
import { describe, expect, it } from 'vitest';
import type { Target } from '../../types.js';
import { VertexAdapter } from './adapter.js';

// Where `embedTransport: 'rest-json'` sends its predict call for real-cloud configurations (no network: the auth
// client records the request google-auth-library would send and answers it). The call itself is tested against
// the emulator in test/client-vertex-rest-json.test.ts.

interface Sent {
  url: string;
  method?: string;
  data?: unknown;
}

/** An OAuth2Client whose `request` records what it would send and answers one prediction. */
function recordingAuth(): { authClient: OAuth2Client; sent: Sent[] } {
  const authClient = new OAuth2Client();
  const sent: Sent[] = [];
  (authClient as unknown as { request: (o: Sent & { url: unknown }) => Promise<unknown> }).request = async (
    o,
  ) => {
    sent.push({ url: String(o.url), method: o.method, data: o.data });
    return {
      data: { predictions: [{ embeddings: { values: [0.5, -0.5], statistics: { token_count: 3 } } }] },
    };
  };
  return { authClient, sent };
}

const target = (model: string, region?: string): Target => ({
  provider: 'vertex',
  model,
  id: `vertex/${model}`,
  ...(region ? { region } : {}),
});

async function sentUrl(options: { location: string; endpoint?: string }, t: Target): Promise<string> {
  const { authClient, sent: all } = recordingAuth();
  const adapter = new VertexAdapter({
    project: 'my-project',
    ...options,
    embedTransport: 'rest-json',
    authClient,
  });
  const result = await adapter.embed(
    t,
    { model: t.id, targets: [t], input: ['hi'] },
    new AbortController().signal,
  );
  expect(result).toEqual({
    embeddings: [[0.5, -0.5]],
    usage: { inputTokens: 3 },
    provider: 'vertex',
    model: t.model,
  });
  const [sent] = all;
  expect(sent?.method).toBe('POST');
  expect(sent?.data).toEqual({
    instances: [{ content: 'hi', task_type: 'RETRIEVAL_DOCUMENT' }],
    parameters: { autoTruncate: false },
  });
  return sent!.url;
}

describe("Vertex embedTransport 'rest-json': the documented REST predict URL", () => {
  it('regional host over https by default, the global host for location global', async () => {
    expect(await sentUrl({ location: 'us-central1' }, target('text-embedding-005'))).toBe(
      'https://us-central1-aiplatform.googleapis.com/v1/projects/my-project/locations/us-central1/publishers/google/models/text-embedding-005:predict',
    );
    expect(await sentUrl({ location: 'global' }, target('text-embedding-005'))).toBe(
      'https://aiplatform.googleapis.com/v1/projects/my-project/locations/global/publishers/google/models/text-embedding-005:predict',
    );
  });

  it("a target's region picks its regional host; publisher paths and endpoint overrides are kept", async () => {
    expect(await sentUrl({ location: 'us-central1' }, target('text-embedding-005', 'europe-west4'))).toBe(
      'https://europe-west4-aiplatform.googleapis.com/v1/projects/my-project/locations/europe-west4/publishers/google/models/text-embedding-005:predict',
    );
    expect(
      await sentUrl(
        { location: 'us-central1', endpoint: 'us-central1-aiplatform.googleapis.com:443' },
        target('publishers/google/models/text-multilingual-embedding-002'),
      ),
    ).toBe(
      'https://us-central1-aiplatform.googleapis.com/v1/projects/my-project/locations/us-central1/publishers/google/models/text-multilingual-embedding-002:predict',
    );
    expect(
      await sentUrl(
        { location: 'us-central1', endpoint: 'http://127.0.0.1:4010' },
        target('text-embedding-005'),
      ),
    ).toBe(
      'http://127.0.0.1:4010/v1/projects/my-project/locations/us-central1/publishers/google/models/text-embedding-005:predict',
    );
  });
});
