/**
 * The guide's multi-agent example on LangGraph: a supervisor on a cheap route picks who acts next; a researcher
 * searches the handbook with a retriever tool; a writer on a stronger route (falling back across clouds) drafts
 * the brief; a publisher prepares the publish call, which waits for a human's approval (`interrupt`). Every step
 * is checkpointed, so a run that dies resumes from its last finished step.
 */
import {
  type AIMessage,
  type BaseMessage,
  HumanMessage,
  SystemMessage,
  ToolMessage,
} from '@langchain/core/messages';
import type { StructuredToolInterface } from '@langchain/core/tools';
import {
  Annotation,
  type BaseCheckpointSaver,
  Command,
  END,
  interrupt,
  type LangGraphRunnableConfig,
  messagesStateReducer,
  START,
  StateGraph,
} from '@langchain/langgraph';
import { z } from 'zod';
import { type BriefStore, PUBLISH_BRIEF, PublishArgs } from './briefs.js';
import type { TeamModels } from './models.js';

export const SPECIALISTS = ['researcher', 'writer', 'publisher'] as const;
export type Specialist = (typeof SPECIALISTS)[number];
type Choice = Specialist | 'FINISH';

/** Rounds a specialist may take in one run: the supervisor may ask for more research or a revision, not forever. */
const MAX_ROUNDS: Readonly<Record<Specialist, number>> = { researcher: 2, writer: 2, publisher: 1 };

/** What a human answers to an approval request. */
export interface ApprovalDecision {
  readonly approved: boolean;
  readonly reason?: string;
}

/** What the approval interrupt shows the human. */
export interface ApprovalRequest {
  readonly tool: string;
  readonly args: z.infer<typeof PublishArgs>;
  readonly draft: string;
}

export const TeamState = Annotation.Root({
  task: Annotation<string>,
  /** The supervisor's last decision and its instructions to that specialist. */
  next: Annotation<Choice>,
  instructions: Annotation<string>,
  rounds: Annotation<Partial<Record<Specialist, number>>>({
    reducer: (a, b) => {
      const sum = { ...a };
      for (const [k, v] of Object.entries(b) as [Specialist, number][]) sum[k] = (sum[k] ?? 0) + v;
      return sum;
    },
    default: () => ({}),
  }),
  /** The researcher's conversation (tool calls and results). */
  research: Annotation<BaseMessage[]>({ reducer: messagesStateReducer, default: () => [] }),
  notes: Annotation<string | undefined>,
  draft: Annotation<string | undefined>,
  /** `provider/model` of the target that wrote the draft (the writer's route may fall back). */
  draftedBy: Annotation<string | undefined>,
  publishing: Annotation<BaseMessage[]>({ reducer: messagesStateReducer, default: () => [] }),
  outcome: Annotation<{ published: boolean; detail: string } | undefined>,
});
export type Team = typeof TeamState.State;

export interface TeamDependencies {
  readonly models: TeamModels;
  readonly searchHandbook: StructuredToolInterface;
  readonly briefs: BriefStore;
  readonly checkpointer: BaseCheckpointSaver;
}

/** Who may act next: the process's order, with one optional extra round of research or writing. */
export function choices(state: Team): [Choice, ...Choice[]] {
  const more = (s: Specialist) => (state.rounds[s] ?? 0) < MAX_ROUNDS[s];
  if (state.outcome) return ['FINISH'];
  if (state.draft) return more('writer') ? ['publisher', 'writer'] : ['publisher'];
  if (state.notes) return more('researcher') ? ['writer', 'researcher'] : ['writer'];
  return ['researcher'];
}

export function buildTeamGraph(deps: TeamDependencies) {
  const { models, searchHandbook, briefs } = deps;

  async function supervisor(state: Team) {
    const options = choices(state);
    const Decision = z.object({
      next: z.enum(options).describe('who acts next'),
      instructions: z.string().describe('one sentence for them'),
    });
    const decision = await models.supervisor
      .withStructuredOutput(Decision, { name: 'route' })
      .invoke([
        new SystemMessage(
          'You supervise a team: the researcher searches the engineering handbook, the writer drafts a brief from the ' +
            'notes, the publisher publishes it once a human approves. Choose who acts next and instruct them.',
        ),
        new HumanMessage(
          `Task: ${state.task}\nResearch notes: ${state.notes ?? '(none yet)'}\nDraft: ${state.draft ?? '(none yet)'}\n` +
            `Outcome: ${state.outcome?.detail ?? '(not published)'}\nChoose one of: ${options.join(', ')}.`,
        ),
      ]);
    // The schema allows only valid choices; a model that ignores it still cannot break the process.
    const next = options.includes(decision.next) ? decision.next : options[0];
    return new Command({
      goto: next === 'FINISH' ? END : next,
      update: { next, instructions: decision.instructions },
    });
  }

  async function researcher(state: Team) {
    const last = state.research.at(-1);
    // A new round starts with a question; within a round the model sees its tool results.
    const question =
      last && ToolMessage.isInstance(last)
        ? []
        : [
            new HumanMessage(
              `Use search_handbook to find what the handbook says for this task: ${state.task}\n${state.instructions}`,
            ),
          ];
    const reply = await models.researcher
      .bindTools([searchHandbook])
      .invoke([new SystemMessage('You research the engineering handbook.'), ...state.research, ...question]);
    if (reply.tool_calls?.length) return { research: [...question, reply] };
    return { research: [...question, reply], notes: reply.text, rounds: { researcher: 1 } };
  }

  async function researchTools(state: Team) {
    const last = state.research.at(-1) as AIMessage;
    const results = await Promise.all((last.tool_calls ?? []).map((call) => searchHandbook.invoke(call)));
    return { research: results as ToolMessage[] };
  }

  async function writer(state: Team) {
    const reply = await models.writer.invoke([
      new SystemMessage('You write short, plain briefs for engineers.'),
      new HumanMessage(
        `Task: ${state.task}\nResearch notes: ${state.notes}\n${state.instructions}` +
          (state.draft ? `\nRevise this draft: ${state.draft}` : ''),
      ),
    ]);
    return {
      draft: reply.text,
      draftedBy: String(reply.response_metadata.model_name),
      rounds: { writer: 1 },
    };
  }

  async function publisher(state: Team) {
    const reply = await models.publisher
      .bindTools([PUBLISH_BRIEF], { tool_choice: PUBLISH_BRIEF.name })
      .invoke([
        new SystemMessage('You publish approved briefs to the handbook site.'),
        new HumanMessage(`Publish this brief for the task "${state.task}":\n${state.draft}`),
      ]);
    return { publishing: [reply] };
  }

  /** Human in the loop: the publish call waits here until someone approves or rejects it. */
  async function approval(state: Team, config: LangGraphRunnableConfig) {
    const call = (state.publishing.at(-1) as AIMessage).tool_calls?.[0];
    if (!call?.id)
      throw new Error(
        `the publisher did not call ${PUBLISH_BRIEF.name}; got ${state.publishing.at(-1)?.text}`,
      );
    const args = PublishArgs.parse(call.args);
    const decision = interrupt<ApprovalRequest, ApprovalDecision>({
      tool: call.name,
      args,
      draft: state.draft ?? '',
    });
    const detail = decision.approved
      ? await briefs.publish(String(config.configurable?.thread_id), args, state.draft ?? '')
      : `rejected by the reviewer${decision.reason ? `: ${decision.reason}` : ''}`;
    return {
      publishing: [new ToolMessage({ tool_call_id: call.id, content: detail })],
      outcome: { published: decision.approved, detail },
      rounds: { publisher: 1 },
    };
  }

  const afterResearcher = (state: Team) =>
    (state.research.at(-1) as AIMessage | undefined)?.tool_calls?.length ? 'research_tools' : 'supervisor';

  return new StateGraph(TeamState)
    .addNode('supervisor', supervisor, { ends: [...SPECIALISTS, END] })
    .addNode('researcher', researcher)
    .addNode('research_tools', researchTools)
    .addNode('writer', writer)
    .addNode('publisher', publisher)
    .addNode('approval', approval)
    .addEdge(START, 'supervisor')
    .addConditionalEdges('researcher', afterResearcher, ['research_tools', 'supervisor'])
    .addEdge('research_tools', 'researcher')
    .addEdge('writer', 'supervisor')
    .addEdge('publisher', 'approval')
    .addEdge('approval', 'supervisor')
    .compile({ checkpointer: deps.checkpointer });
}

export type TeamGraph = ReturnType<typeof buildTeamGraph>;
