import { validation } from './bedrock-errors.js';
import { BEDROCK_MAX_IMAGES, checkImage, constraint } from './bedrock-tools.js';
import { countTokens, jsonTokens } from './content.js';
import { isObject } from './context.js';
import type { Exchange } from './exchange.js';
import { claudeImageTokens } from './images.js';
import { resultContent } from './tools.js';

/**
 * A Converse conversation read as the service validates it: roles alternate, blocks set one member, images are
 * real images within the limits, every `toolResult` answers a `toolUse` of the previous assistant turn and
 * every `toolUse` gets its result.
 */

export interface Conversation {
  /** `role: text` lines hashed into the answer (the same canonical form for every provider). */
  readonly parts: readonly string[];
  readonly inputTokens: number;
  readonly lastUserText: string;
  readonly toolResults: readonly string[];
  readonly images: readonly string[];
}

interface Turn {
  /** toolUse ids this assistant message asked for. */
  readonly uses: string[];
  /** toolResult ids this user message answers. */
  readonly results: string[];
}

/** A toolResult's content blocks as one text: text as it is, JSON serialized, other blocks by kind. */
function toolResultText(content: unknown): string {
  if (!Array.isArray(content)) return '';
  return content
    .map((c) =>
      isObject(c) && typeof c.text === 'string'
        ? c.text
        : isObject(c) && c.json !== undefined
          ? resultContent(c.json)
          : `[${isObject(c) ? Object.keys(c)[0] : 'content'}]`,
    )
    .join(' ');
}

export function readConversation(
  ex: Exchange,
  system: unknown,
  messages: readonly unknown[],
  hasToolConfig: boolean,
): Conversation | undefined {
  const fail = (message: string) => {
    validation(ex, message);
    return undefined;
  };
  const parts: string[] = [];
  let inputTokens = 0;
  if (system !== undefined) {
    if (!Array.isArray(system))
      return fail(constraint(system, 'system', 'Member must be a list of SystemContentBlock'));
    for (const block of system) {
      if (isObject(block) && typeof block.text === 'string') {
        parts.push(`system: ${block.text}`);
        inputTokens += countTokens(block.text);
      }
    }
  }
  let images: string[] = [];
  let imageCount = 0;
  let toolResults: string[] = [];
  let lastUserText = '';
  const turns: Turn[] = [];
  for (let i = 0; i < messages.length; i++) {
    const message: unknown = messages[i];
    if (!isObject(message) || (message.role !== 'user' && message.role !== 'assistant'))
      return fail(
        constraint(
          isObject(message) ? message.role : message,
          `messages.${i + 1}.member.role`,
          'Member must satisfy enum value set: [user, assistant]',
        ),
      );
    const previous = messages[i - 1];
    if (i > 0 && isObject(previous) && previous.role === message.role)
      return fail(
        'A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.',
      );
    if (!Array.isArray(message.content) || message.content.length === 0)
      return fail(
        `The content field in the Message object at messages.${i}.content is empty. Add a ContentBlock object to the content field and try again.`,
      );
    const turn: Turn = { uses: [], results: [] };
    const texts: string[] = [];
    images = [];
    toolResults = [];
    for (let j = 0; j < message.content.length; j++) {
      const block: unknown = message.content[j];
      const at = `messages.${i}.content.${j}`;
      if (!isObject(block) || Object.keys(block).length !== 1)
        return fail(
          `A ContentBlock in messages.${i}.content must set exactly one member (text, image, document, toolUse, toolResult, ...).`,
        );
      if (typeof block.text === 'string') {
        if (block.text.trim() === '')
          return fail(
            `The text field in the ContentBlock object at ${at} is blank. Add text to the text field, and try again.`,
          );
        parts.push(`${message.role}: ${block.text}`);
        inputTokens += countTokens(block.text);
        texts.push(block.text);
      } else if (block.image !== undefined) {
        if (message.role !== 'user')
          return fail('You can only include images and documents if the role is user.');
        const image = checkImage(block.image, at);
        if (typeof image === 'string') return fail(image);
        if (++imageCount > BEDROCK_MAX_IMAGES)
          return fail(
            `The request has more than ${BEDROCK_MAX_IMAGES} images; Converse accepts at most ${BEDROCK_MAX_IMAGES} images per request. Send fewer images and try again.`,
          );
        parts.push(`${message.role}: [${image.tag}]`);
        inputTokens += claudeImageTokens(image);
        images.push(image.tag);
      } else if (block.toolUse !== undefined) {
        const use = block.toolUse;
        if (message.role !== 'assistant')
          return fail(
            `The toolUse block at ${at} is in a user message; toolUse blocks belong to assistant messages.`,
          );
        if (!isObject(use) || typeof use.toolUseId !== 'string' || typeof use.name !== 'string')
          return fail(`The toolUse block at ${at} must have a toolUseId, a name and an input.`);
        turn.uses.push(use.toolUseId);
        const json = JSON.stringify(use.input ?? {});
        parts.push(`assistant: toolUse ${use.name} ${json}`);
        inputTokens += jsonTokens(use.name + json);
      } else if (block.toolResult !== undefined) {
        const result = block.toolResult;
        if (message.role !== 'user')
          return fail(
            `The toolResult block at ${at} is in an assistant message; toolResult blocks belong to user messages.`,
          );
        if (!isObject(result) || typeof result.toolUseId !== 'string')
          return fail(`The toolResult block at ${at} must have a toolUseId and a content list.`);
        const asked = turns[i - 1]?.uses ?? [];
        if (!asked.includes(result.toolUseId))
          return fail(
            `The toolResult at ${at} has toolUseId '${result.toolUseId}', which matches no toolUse block in the previous assistant message (${asked.length ? `its toolUse ids: ${asked.join(', ')}` : 'it has no toolUse blocks'}). Send each toolResult with the toolUseId the model returned.`,
          );
        turn.results.push(result.toolUseId);
        const text = toolResultText(result.content);
        parts.push(`user: toolResult ${text}`);
        inputTokens += countTokens(text);
        toolResults.push(text);
      } else {
        // Documents, reasoning, cache points...: they change the answer and count as one token each.
        parts.push(`${message.role}: ${JSON.stringify(block)}`);
        inputTokens += 1;
      }
    }
    if ((turn.uses.length > 0 || turn.results.length > 0) && !hasToolConfig)
      return fail('The toolConfig field must be defined when using toolUse and toolResult content blocks.');
    const asked = turns[i - 1]?.uses ?? [];
    const missing = asked.filter((id) => !turn.results.includes(id));
    if (missing.length > 0)
      return fail(
        `Expected toolResult blocks at messages.${i}.content for the following Ids: ${missing.join(', ')}`,
      );
    turns.push(turn);
    lastUserText = message.role === 'user' ? texts.join('\n') : '';
  }
  const last = messages.at(-1);
  if (!isObject(last) || last.role !== 'user') {
    images = [];
    toolResults = [];
  }
  return { parts, inputTokens, lastUserText, toolResults, images };
}
