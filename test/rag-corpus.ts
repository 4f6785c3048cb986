/**
 * The labelled corpus of test/fixtures/rag-corpus and how retrieval on it is scored: shared by the quality test
 * (test/rag-quality.test.ts) and the benchmark (test/bench/rag.bench.ts), so both report the same numbers.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type OpenAI from 'openai';
import { toFile } from 'openai';

const dir = join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'rag-corpus');

export interface LabelledQuestion {
  readonly question: string;
  /** The document (file name in docs/) that answers it. */
  readonly expected: string;
}

export interface Corpus {
  readonly docs: readonly { readonly name: string; readonly text: string }[];
  readonly questions: readonly LabelledQuestion[];
}

export function loadCorpus(): Corpus {
  const names = readdirSync(join(dir, 'docs')).sort();
  return {
    docs: names.map((name) => ({ name, text: readFileSync(join(dir, 'docs', name), 'utf8') })),
    questions: JSON.parse(readFileSync(join(dir, 'questions.json'), 'utf8')) as LabelledQuestion[],
  };
}

/** Uploads every document into a new vector store through the official client; returns the store id. */
export async function ingestCorpus(openai: OpenAI, corpus: Corpus): Promise<string> {
  const store = await openai.vectorStores.create({ name: 'rag-corpus' });
  for (const doc of corpus.docs) {
    const file = await openai.vectorStores.files.uploadAndPoll(
      store.id,
      await toFile(Buffer.from(doc.text), doc.name),
      {
        pollIntervalMs: 20,
      },
    );
    if (file.status !== 'completed')
      throw new Error(`${doc.name} was not ingested: ${JSON.stringify(file.last_error)}`);
  }
  return store.id;
}

export interface RetrievalScores {
  readonly questions: number;
  /** Share of questions whose document is the first result. */
  readonly recallAt1: number;
  /** Share of questions whose document is among the first five results. */
  readonly recallAt5: number;
  /** Mean reciprocal rank of the expected document (0 when it is not in the results). */
  readonly mrr: number;
  /** The questions whose document was not in the first five, with what came first instead. */
  readonly misses: readonly {
    readonly question: string;
    readonly expected: string;
    readonly got: string[];
  }[];
}

/** Searches the store for each question (5 results) and scores where the expected document ranks. */
export async function scoreRetrieval(
  openai: OpenAI,
  storeId: string,
  corpus: Corpus,
): Promise<RetrievalScores> {
  let at1 = 0;
  let at5 = 0;
  let reciprocal = 0;
  const misses: { question: string; expected: string; got: string[] }[] = [];
  for (const q of corpus.questions) {
    const page = await openai.vectorStores.search(storeId, { query: q.question, max_num_results: 5 });
    // Several chunks of one file may rank: a document's rank is that of its first chunk.
    const files = [...new Set(page.data.map((d) => d.filename))];
    const rank = files.indexOf(q.expected) + 1;
    if (rank === 1) at1 += 1;
    if (rank >= 1 && rank <= 5) {
      at5 += 1;
      reciprocal += 1 / rank;
    } else misses.push({ question: q.question, expected: q.expected, got: files });
  }
  const n = corpus.questions.length;
  return { questions: n, recallAt1: at1 / n, recallAt5: at5 / n, mrr: reciprocal / n, misses };
}
