/**
 * One turn of a team run: starts a task, resumes a run that stopped (a crash or an approval), streams its steps
 * as events, and says where it stopped. Checkpoints are written before each next step starts
 * (`durability: 'sync'`), so a step that finished is never run again after a crash.
 */
import type { AIMessageChunk } from '@langchain/core/messages';
import { Command, INTERRUPT, isInterrupted } from '@langchain/langgraph';
import type { ApprovalDecision, ApprovalRequest, Team, TeamGraph } from './graph.js';

export type TeamEvent =
  | { readonly event: 'start'; readonly threadId: string; readonly mode: 'new' | 'resume' | 'approval' }
  | { readonly event: 'step'; readonly node: string; readonly update: Record<string, unknown> }
  | { readonly event: 'token'; readonly node: string; readonly text: string }
  | { readonly event: 'awaiting-approval'; readonly threadId: string; readonly request: ApprovalRequest }
  | {
      readonly event: 'done';
      readonly threadId: string;
      readonly outcome: Team['outcome'];
      readonly draftedBy: string | undefined;
    };

/** What a turn needs: a new task, or an approval decision for a waiting run; neither resumes a stopped run. */
export type TurnInput = { readonly task: string } | { readonly decision: ApprovalDecision } | undefined;

export type TurnResult =
  | { readonly status: 'awaiting-approval'; readonly request: ApprovalRequest }
  | { readonly status: 'done'; readonly state: Team };

export type ThreadStatus =
  | { readonly status: 'new' | 'stopped' }
  | { readonly status: 'awaiting-approval'; readonly request: ApprovalRequest }
  | { readonly status: 'done'; readonly state: Team };

/** Where a thread is: never run, stopped mid-run (a crash), waiting for an approval, or finished. */
export async function threadStatus(graph: TeamGraph, threadId: string): Promise<ThreadStatus> {
  const snapshot = await graph.getState({ configurable: { thread_id: threadId } });
  if (!snapshot.config.configurable?.checkpoint_id) return { status: 'new' };
  const request = snapshot.tasks.flatMap((t) => t.interrupts).at(0)?.value as ApprovalRequest | undefined;
  if (request) return { status: 'awaiting-approval', request };
  return snapshot.next.length > 0
    ? { status: 'stopped' }
    : { status: 'done', state: snapshot.values as Team };
}

export async function runTurn(
  graph: TeamGraph,
  threadId: string,
  input: TurnInput,
  emit: (e: TeamEvent) => void,
): Promise<TurnResult> {
  const config = { configurable: { thread_id: threadId } };
  const mode = input === undefined ? 'resume' : 'task' in input ? 'new' : 'approval';
  emit({ event: 'start', threadId, mode });
  const graphInput =
    input === undefined
      ? null
      : 'task' in input
        ? { task: input.task }
        : new Command<ApprovalDecision, Partial<Team>, never>({ resume: input.decision });
  const stream = await graph.stream(graphInput, {
    ...config,
    streamMode: ['updates', 'messages'],
    durability: 'sync',
  });
  let request: ApprovalRequest | undefined;
  for await (const [streamMode, chunk] of stream) {
    if (streamMode === 'messages') {
      const [message, metadata] = chunk as [AIMessageChunk, { langgraph_node?: string }];
      // The writer's tokens, as they arrive; other agents' turns are short and shown as steps.
      if (metadata.langgraph_node === 'writer' && message.text) {
        emit({ event: 'token', node: 'writer', text: message.text });
      }
      continue;
    }
    if (isInterrupted<ApprovalRequest>(chunk)) {
      request = chunk[INTERRUPT][0]?.value;
      continue;
    }
    for (const [node, update] of Object.entries(chunk as Record<string, unknown>)) {
      emit({ event: 'step', node, update: summarize(update) });
    }
  }
  if (request) {
    emit({ event: 'awaiting-approval', threadId, request });
    return { status: 'awaiting-approval', request };
  }
  const state = (await graph.getState(config)).values as Team;
  emit({ event: 'done', threadId, outcome: state.outcome, draftedBy: state.draftedBy });
  return { status: 'done', state };
}

/** A step's update for display: messages as their role and text, a Command as its target. */
function summarize(update: unknown): Record<string, unknown> {
  if (update === null || typeof update !== 'object') return { value: update };
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(update)) {
    out[key] = Array.isArray(value)
      ? value.map((m) =>
          m && typeof m === 'object' && 'content' in m
            ? {
                type: (m as { type?: string }).type,
                text: String((m as { text?: string }).text ?? '').slice(0, 200),
              }
            : m,
        )
      : value;
  }
  return out;
}
