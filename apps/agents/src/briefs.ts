/**
 * The tool that needs a human's approval: publishing a brief. Its side effect is a row in PostgreSQL, keyed by
 * the thread, so a run that crashes after publishing and resumes from its last checkpoint publishes once.
 */
import type pg from 'pg';
import { z } from 'zod';

export const PublishArgs = z.object({
  title: z.string().describe('the brief’s title'),
  audience: z.string().describe('who the brief is for'),
});

export class BriefStore {
  readonly #pool: pg.Pool;
  readonly #table: string;

  constructor(pool: pg.Pool, schema: string) {
    this.#pool = pool;
    this.#table = `"${schema}"."published_briefs"`;
  }

  async setup(): Promise<void> {
    await this.#pool.query(
      `CREATE TABLE IF NOT EXISTS ${this.#table} (thread_id text PRIMARY KEY, title text NOT NULL, audience text NOT NULL, body text NOT NULL, published_at timestamptz NOT NULL DEFAULT now())`,
    );
  }

  /** Publishes once per thread; a second call (a resumed run) returns the first publication. */
  async publish(threadId: string, args: z.infer<typeof PublishArgs>, body: string): Promise<string> {
    await this.#pool.query(
      `INSERT INTO ${this.#table} (thread_id, title, audience, body) VALUES ($1, $2, $3, $4) ON CONFLICT (thread_id) DO NOTHING`,
      [threadId, args.title, args.audience, body],
    );
    const { rows } = await this.#pool.query<{ published_at: Date }>(
      `SELECT published_at FROM ${this.#table} WHERE thread_id = $1`,
      [threadId],
    );
    return `published brief "${args.title}" for ${args.audience} at ${rows[0]?.published_at.toISOString()}`;
  }
}

/** The tool as the publisher's model sees it (a definition only: the approval node runs it, after a human said yes). */
export const PUBLISH_BRIEF = {
  name: 'publish_brief',
  description: 'Publish the drafted brief to the engineering handbook site (a human approves it first)',
  schema: PublishArgs,
};
