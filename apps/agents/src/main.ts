/**
 * `npm run agents`: the multi-agent example against the emulator of the four clouds, checkpointed in PostgreSQL.
 *
 *   npm run agents                                   a new run of the default task (asks for approval on a terminal)
 *   npm run agents -- --task "..." --thread t1       a new run of a task, on thread t1
 *   npm run agents -- --thread t1                    resume t1 where it stopped (after a crash or Ctrl-C)
 *   npm run agents -- --thread t1 --approve          approve t1's waiting publish call and finish it
 *   npm run agents -- --thread t1 --reject "why"     reject it
 *   --json                                           one JSON event per line instead of text
 *
 * DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres) and AGENTS_PG_SCHEMA (default `agents`) choose
 * where checkpoints live; GENAI_EMULATOR_URL points at a running emulator, else one is started in this process.
 */
import { randomUUID } from 'node:crypto';
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import type { Emulator } from '@genai-deploy/emulator';
import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import pg from 'pg';
import { BriefStore } from './briefs.js';
import { type ApprovalDecision, buildTeamGraph } from './graph.js';
import { handbookIndex, searchHandbookTool } from './handbook.js';
import { emulatorClient, teamModels } from './models.js';
import { runTurn, type TeamEvent, type TurnInput, threadStatus } from './run.js';

const DEFAULT_TASK = 'Write a one-paragraph security brief for new engineers about API keys and secrets.';

const { values: args } = parseArgs({
  options: {
    thread: { type: 'string' },
    task: { type: 'string' },
    approve: { type: 'boolean', default: false },
    reject: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});
const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const schema = process.env.AGENTS_PG_SCHEMA || 'agents';
if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
  fail(`AGENTS_PG_SCHEMA must be a lower-case SQL identifier; got "${schema}"`);
const threadId = args.thread ?? randomUUID();
const interactive = process.stdin.isTTY === true && !args.json;

const print = args.json
  ? (e: TeamEvent) => process.stdout.write(`${JSON.stringify(e)}\n`)
  : (e: TeamEvent) => {
      if (e.event === 'token') process.stdout.write(e.text);
      else if (e.event === 'step') console.log(`\n[${e.node}] ${Object.keys(e.update).join(', ')}`);
      else if (e.event === 'start') console.log(`thread ${e.threadId} (${e.mode})`);
      else if (e.event === 'awaiting-approval') {
        console.log(`\n${e.request.tool}(${JSON.stringify(e.request.args)}) is waiting for approval.`);
        if (!interactive) {
          console.log(`Approve:  npm run agents -- --thread ${e.threadId} --approve`);
          console.log(`Reject:   npm run agents -- --thread ${e.threadId} --reject "reason"`);
        }
      } else console.log(`\ndone: ${e.outcome?.detail} (draft by ${e.draftedBy})`);
    };

const pool = new pg.Pool({ connectionString: databaseUrl, max: 4 });
// An emulator of our own only when none is given (the test runs one that outlives this process).
const emulator: Emulator | undefined = process.env.GENAI_EMULATOR_URL
  ? undefined
  : await (await import('@genai-deploy/emulator')).startEmulator({ port: 0 });
const client = emulatorClient(process.env.GENAI_EMULATOR_URL || (emulator as Emulator).url);
const checkpointer = new PostgresSaver(pool, undefined, { schema });
try {
  await checkpointer.setup().catch((e: Error) => {
    throw new Error(
      `PostgreSQL at ${databaseUrl.replace(/\/\/[^@]*@/, '//')} does not answer (${e.message}); start it or set DATABASE_URL`,
    );
  });
  const briefs = new BriefStore(pool, schema);
  await briefs.setup();
  const models = teamModels(client);
  const index = await handbookIndex(models.embeddings);
  const graph = buildTeamGraph({
    models,
    searchHandbook: searchHandbookTool(index, models.embeddings),
    briefs,
    checkpointer,
  });

  const thread = await threadStatus(graph, threadId);
  if (thread.status !== 'new' && args.task !== undefined) {
    throw new Error(
      `thread ${threadId} already exists (${thread.status}); omit --task to resume it or pick a new --thread`,
    );
  }
  if (thread.status !== 'awaiting-approval' && decisionFromArgs()) {
    throw new Error(
      `thread ${threadId} is not waiting for an approval (${thread.status}); --approve and --reject answer one`,
    );
  }
  if (thread.status === 'done') {
    print({ event: 'done', threadId, outcome: thread.state.outcome, draftedBy: thread.state.draftedBy });
  } else if (thread.status === 'awaiting-approval' && !decisionFromArgs() && !interactive) {
    print({ event: 'awaiting-approval', threadId, request: thread.request });
  } else {
    const input: TurnInput =
      thread.status === 'new'
        ? { task: args.task ?? DEFAULT_TASK }
        : thread.status === 'awaiting-approval'
          ? { decision: decisionFromArgs() ?? (await ask(thread.request.draft)) }
          : undefined; // stopped mid-run: the checkpoint holds what is left to do
    let result = await runTurn(graph, threadId, input, print);
    // On a terminal, ask right away instead of parking the run.
    while (result.status === 'awaiting-approval' && interactive) {
      result = await runTurn(graph, threadId, { decision: await ask(result.request.draft) }, print);
    }
  }
} catch (e) {
  console.error(`agents: ${(e as Error).message}`);
  process.exitCode = 1;
} finally {
  await client.close();
  await pool.end();
  await emulator?.close();
}

function decisionFromArgs(): ApprovalDecision | undefined {
  if (args.approve) return { approved: true };
  if (args.reject !== undefined) return { approved: false, reason: args.reject };
  return undefined;
}

async function ask(draft: string): Promise<ApprovalDecision> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(`\n--- draft ---\n${draft}\n-------------\nPublish it? [y/N] `);
    if (/^y(es)?$/i.test(answer.trim())) return { approved: true };
    return { approved: false, reason: (await rl.question('Why not? ')).trim() || undefined };
  } finally {
    rl.close();
  }
}

function fail(message: string): never {
  console.error(`agents: ${message}`);
  process.exit(1);
}
