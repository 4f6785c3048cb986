import { messageText } from '../../tokens.js';
import type { NormalizedGenerateRequest } from '../../types.js';

/** Turns a chat into one prompt string for containers that take raw text (`inputs`). */
export type PromptTemplate = (req: Pick<NormalizedGenerateRequest, 'system' | 'messages'>) => string;

/**
 * A neutral role-tagged transcript ending with "Assistant:". Instruction-tuned models answer it well enough,
 * but a model's own chat template is better: pass it to `createTgiAdapter({ template })`, or use
 * `messagesApiAdapter` where the container applies the template itself.
 */
export const plainPromptTemplate: PromptTemplate = (req) =>
  [
    ...(req.system ? [`System: ${req.system}`] : []),
    ...req.messages.map(
      (m) =>
        `${m.role === 'assistant' ? 'Assistant' : m.role === 'tool' ? 'Tool' : 'User'}: ${messageText(m)}`,
    ),
    'Assistant:',
  ].join('\n\n');
