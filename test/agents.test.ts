/**
 * Issue 17, apps/agents: the multi-agent example as real processes against the emulator, checkpointed in the
 * local PostgreSQL (a schema per test run). A run stops at the human approval and resumes with it; a run killed
 * (SIGKILL) right after a checkpoint resumes without repeating its finished steps, which the emulator's upstream
 * request counts prove; a rejection ends the run unpublished.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Emulator, startEmulator } from '@genai-deploy/emulator';
import { PostgresSaver } from '@langchain/langgraph-checkpoint-postgres';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BriefStore } from '../apps/agents/src/briefs.js';
import { buildTeamGraph } from '../apps/agents/src/graph.js';
import { handbookIndex, searchHandbookTool } from '../apps/agents/src/handbook.js';
import { emulatorClient, teamModels } from '../apps/agents/src/models.js';
import { runTurn, type TeamEvent } from '../apps/agents/src/run.js';
import { until } from './front-helpers.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const databaseUrl = process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres';
const schema = `agents_test_${randomBytes(4).toString('hex')}`;

let emulator: Emulator;
let pool: pg.Pool;
const children: ChildProcess[] = [];

beforeAll(async () => {
  pool = new pg.Pool({ connectionString: databaseUrl, max: 2 });
  await pool.query('SELECT 1').catch((e: Error) => {
    throw new Error(
      `PostgreSQL does not answer at DATABASE_URL or 127.0.0.1:5432 (${e.message}); .ci/run says how to start one`,
    );
  });
  emulator = await startEmulator({ port: 0 });
});
afterAll(async () => {
  for (const c of children)
    if (c.exitCode === null && c.signalCode === null && c.pid) process.kill(-c.pid, 'SIGKILL');
  await pool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await pool?.end();
  await emulator?.close();
});

/** `npm run agents` as one Node process (no npm or tsx wrapper), so a SIGKILL kills the run itself. */
function agents(args: string[]) {
  const child = spawn(
    process.execPath,
    ['--conditions=@genai-deploy/source', '--import', 'tsx', 'apps/agents/src/main.ts', '--json', ...args],
    {
      cwd: root,
      env: {
        ...process.env,
        GENAI_EMULATOR_URL: emulator.url,
        AGENTS_PG_SCHEMA: schema,
        DATABASE_URL: databaseUrl,
      },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  children.push(child);
  const events: TeamEvent[] = [];
  let stderr = '';
  let buffered = '';
  child.stdout!.on('data', (d) => {
    buffered += String(d);
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('{')) events.push(JSON.parse(line) as TeamEvent);
  });
  child.stderr!.on('data', (d) => {
    stderr += String(d);
  });
  const exited = new Promise<number | string>((r) =>
    child.on('exit', (code, signal) => r(code ?? `${signal}`)),
  );
  const done = async () => {
    const code = await exited;
    expect(code, `agents ${args.join(' ')} failed:\n${stderr}`).toBe(0);
    return events;
  };
  return { child, events, exited, done };
}

const steps = (events: TeamEvent[]) => events.flatMap((e) => (e.event === 'step' ? [e.node] : []));
const counts = () => ({ ...emulator.requests().byOperation });
const minus = (a: Record<string, number>, b: Record<string, number>) =>
  Object.fromEntries(
    [...new Set([...Object.keys(a), ...Object.keys(b)])]
      .map((k) => [k, (a[k] ?? 0) - (b[k] ?? 0)] as const)
      .filter(([, v]) => v !== 0),
  );
const published = async (thread: string) =>
  (await pool.query(`SELECT title FROM "${schema}".published_briefs WHERE thread_id = $1`, [thread])).rows;

/**
 * What a list of steps costs upstream, each role on its own route: the supervisor and the publisher on Azure
 * chat, the researcher on SageMaker, the writer on Bedrock; embeddings on Azure: the handbook once per process
 * start, and one query per research tool call.
 */
function cost(stepList: string[], processStarts: number): Record<string, number> {
  const n = (node: string) => stepList.filter((s) => s === node).length;
  return minus(
    {
      'azure.chatCompletions': n('supervisor') + n('publisher'),
      'sagemaker.invokeEndpointWithResponseStream': n('researcher'),
      'bedrock.converseStream': n('writer'),
      'azure.embeddings': processStarts + n('research_tools'),
    },
    {},
  );
}

/** The uninterrupted run: its steps (both processes), what they cost upstream, and the draft it ends with. */
let reference: { steps: string[]; waitsAfter: number; requests: Record<string, number>; draft: string };

describe('npm run agents', () => {
  it('runs the task to the approval, streaming its steps, and finishes once approved', async () => {
    emulator.reset();
    const first = await agents(['--thread', 'reference']).done();
    const firstSteps = steps(first);
    // The supervisor starts; research (the researcher and its tool) comes before any writing, the writer
    // before the publisher, whose call then waits for a human.
    expect(firstSteps.slice(0, 4)).toEqual(['supervisor', 'researcher', 'research_tools', 'researcher']);
    expect(firstSteps.indexOf('writer')).toBeGreaterThan(firstSteps.lastIndexOf('research_tools'));
    expect(firstSteps.at(-1)).toBe('publisher');
    expect(first.some((e) => e.event === 'token' && e.node === 'writer')).toBe(true);
    const waiting = first.at(-1);
    expect(waiting).toMatchObject({ event: 'awaiting-approval', request: { tool: 'publish_brief' } });
    const draft = waiting?.event === 'awaiting-approval' ? waiting.request.draft : '';
    const tokens = first.flatMap((e) => (e.event === 'token' ? [e.text] : [])).join('');
    expect(tokens.endsWith(draft)).toBe(true);
    expect(await published('reference')).toEqual([]);

    const second = await agents(['--thread', 'reference', '--approve']).done();
    expect(second[0]).toMatchObject({ event: 'start', mode: 'approval' });
    expect(steps(second)).toEqual(['approval', 'supervisor']);
    expect(second.at(-1)).toMatchObject({
      event: 'done',
      outcome: { published: true },
      draftedBy: 'bedrock/anthropic.claude-3-5-sonnet-20241022-v2:0',
    });
    expect(await published('reference')).toHaveLength(1);
    // Every step costs exactly its own upstream requests.
    const all = [...firstSteps, ...steps(second)];
    const requests = counts();
    expect(requests).toEqual(cost(all, 2));
    reference = { steps: all, waitsAfter: firstSteps.length, requests, draft };
  });

  it('killed after a checkpoint, it resumes without repeating finished steps', async () => {
    emulator.reset();
    // The writer's call hangs, so the run is caught mid-writer with the research checkpointed.
    emulator.setFaults([{ provider: 'bedrock', kind: 'hang' }]);
    const writing = reference.steps.indexOf('writer');
    try {
      const crashed = agents(['--thread', 'crash']);
      const saver = new PostgresSaver(pool, undefined, { schema });
      await until(
        async () => {
          const tuple = await saver.getTuple({ configurable: { thread_id: 'crash', checkpoint_ns: '' } });
          // The writer (the only Bedrock caller) has its request in flight, hanging.
          const inWriter = (emulator.requests().byOperation['bedrock.converseStream'] ?? 0) > 0;
          return inWriter && Boolean(tuple?.checkpoint.channel_values.notes);
        },
        60_000,
        'a checkpoint with the research notes and the writer in flight',
      );
      expect(steps(crashed.events)).toEqual(reference.steps.slice(0, writing));
      process.kill(-crashed.child.pid!, 'SIGKILL');
      expect(await crashed.exited).toBe('SIGKILL');
    } finally {
      emulator.setFaults([]);
    }
    const beforeKill = counts();

    const resumed = await agents(['--thread', 'crash']).done();
    expect(resumed[0]).toMatchObject({ event: 'start', mode: 'resume' });
    // It starts with the step that was in flight: no supervisor or researcher step again.
    expect(steps(resumed)).toEqual(reference.steps.slice(writing, reference.waitsAfter));
    const waiting = resumed.at(-1);
    expect(waiting?.event === 'awaiting-approval' && waiting.request.draft).toBe(reference.draft);
    const approved = await agents(['--thread', 'crash', '--approve']).done();
    expect(approved.at(-1)).toMatchObject({ event: 'done', outcome: { published: true } });
    expect(await published('crash')).toHaveLength(1);

    // Upstream requests after the restart (two processes): those of the steps from the writer on, and nothing
    // for the research before it: no SageMaker call, no query embedding.
    const afterRestart = minus(counts(), beforeKill);
    expect(afterRestart).toEqual(cost(reference.steps.slice(writing), 2));
    expect(afterRestart['sagemaker.invokeEndpointWithResponseStream']).toBeUndefined();
    // Crashed run + resumed runs = the reference, plus the writer's interrupted call and one more process start
    // (three processes against the reference's two).
    expect(minus(counts(), reference.requests)).toEqual({
      'bedrock.converseStream': 1,
      'azure.embeddings': 1,
    });
  });
});

describe('the team graph in process', () => {
  it('a rejected publish call ends the run unpublished, with the reviewer’s reason', async () => {
    emulator.reset();
    const client = emulatorClient(emulator.url);
    try {
      const models = teamModels(client);
      const index = await handbookIndex(models.embeddings);
      const checkpointer = new PostgresSaver(pool, undefined, { schema });
      await checkpointer.setup();
      const briefs = new BriefStore(pool, schema);
      await briefs.setup();
      const graph = buildTeamGraph({
        models,
        searchHandbook: searchHandbookTool(index, models.embeddings),
        briefs,
        checkpointer,
      });
      const events: TeamEvent[] = [];
      const first = await runTurn(graph, 'rejected', { task: 'A brief about on-call pages.' }, (e) =>
        events.push(e),
      );
      expect(first.status).toBe('awaiting-approval');
      const second = await runTurn(
        graph,
        'rejected',
        { decision: { approved: false, reason: 'too vague' } },
        (e) => events.push(e),
      );
      expect(second.status === 'done' && second.state.outcome).toEqual({
        published: false,
        detail: 'rejected by the reviewer: too vague',
      });
      expect(await published('rejected')).toEqual([]);
    } finally {
      await client.close();
    }
  });

  it('the writer falls back across clouds when Bedrock is down', async () => {
    const client = emulatorClient(emulator.url, { retry: false });
    emulator.setFaults([{ provider: 'bedrock', status: 503 }]);
    try {
      const models = teamModels(client);
      const draft = await models.writer.invoke('Write one sentence about secrets.');
      expect(draft.response_metadata).toMatchObject({
        provider: 'vertex',
        model_name: 'vertex/gemini-2.5-pro',
      });
    } finally {
      emulator.setFaults([]);
      await client.close();
    }
  });
});
