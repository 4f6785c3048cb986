/**
 * The researcher's corpus: a small engineering handbook, embedded once per process into an in-memory vector
 * index (a deployment uses the platform's vector store: OpenSearch, Vertex AI Vector Search or Azure AI Search,
 * through the same VectorIndex interface).
 */
import { memoryIndex, type VectorIndex } from '@genai-deploy/client/retrieval';
import { GenAiDeployRetriever } from '@genai-deploy/langchain';
import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { tool } from '@langchain/core/tools';
import { z } from 'zod';

export const HANDBOOK: readonly { readonly section: string; readonly text: string }[] = [
  {
    section: 'security',
    text: 'API keys are rotated every 90 days; a key older than that is revoked automatically.',
  },
  {
    section: 'security',
    text: 'Keys of people who leave are revoked on their last day, before their laptop is returned.',
  },
  { section: 'security', text: 'Secrets live in the cloud secret manager, never in code, tickets or chat.' },
  {
    section: 'on-call',
    text: 'The on-call engineer acknowledges a page within 5 minutes and posts in the incident channel.',
  },
  {
    section: 'on-call',
    text: 'Every incident gets a blameless review within a week, with actions that have owners.',
  },
  {
    section: 'deployments',
    text: 'Deployments happen through the pipeline only, never from a laptop, and not on Friday afternoons.',
  },
  {
    section: 'deployments',
    text: 'A deployment that raises the error rate is rolled back first and investigated after.',
  },
  {
    section: 'onboarding',
    text: 'New engineers pair with a buddy for their first two weeks and ship a change in week one.',
  },
];

export async function handbookIndex(embeddings: EmbeddingsInterface): Promise<VectorIndex> {
  const index = memoryIndex();
  const vectors = await embeddings.embedDocuments(HANDBOOK.map((h) => h.text));
  await index.upsert(
    HANDBOOK.map((h, i) => ({
      id: `handbook:${i}`,
      vectorStoreId: 'vs_handbook',
      fileId: 'handbook.md',
      filename: 'handbook.md',
      text: h.text,
      vector: vectors[i]!,
      attributes: { section: h.section },
    })),
  );
  return index;
}

/** The researcher's tool: the retriever over the handbook, answering with the passages found. */
export function searchHandbookTool(index: VectorIndex, embeddings: EmbeddingsInterface) {
  const retriever = new GenAiDeployRetriever({ index, embeddings, k: 3 });
  return tool(
    async ({ query }) => {
      const docs = await retriever.invoke(query);
      return docs.map((d) => `[${d.metadata.attributes.section}] ${d.pageContent}`).join('\n');
    },
    {
      name: 'search_handbook',
      description: 'Search the engineering handbook; returns the most relevant passages',
      schema: z.object({ query: z.string().describe('what to look for') }),
    },
  );
}
