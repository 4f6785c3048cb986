import type { Message, ToolDefinition } from './types.js';

/**
 * A cheap, deterministic token estimate (about 4 characters per token for English, never less than one token
 * per 2 UTF-16 units of CJK-heavy text). It errs on the high side so that splitting stays under real limits.
 */
export function estimateTokens(text: string): number {
  if (text.length === 0) return 0;
  let wide = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x2e7f) wide++;
  return Math.ceil((text.length - wide) / 4 + wide / 1.5);
}

/** Providers bill an image as roughly a fixed number of tokens; ~1,600 is the usual upper figure (a large image on Claude). */
export const IMAGE_TOKENS = 1600;

/** The text of a message's content (images left out), e.g. for templates of text-only containers. */
export function messageText(m: Message): string {
  if (typeof m.content === 'string') return m.content;
  let text = '';
  for (const p of m.content) if (p.type === 'text') text += p.text;
  return text;
}

/** A message's estimated tokens: its text, its images and its tool calls' arguments. */
export function estimateMessageTokens(m: Message): number {
  if (m.role === 'user' && typeof m.content !== 'string') {
    let n = 0;
    for (const p of m.content) n += p.type === 'text' ? estimateTokens(p.text) : IMAGE_TOKENS;
    return n;
  }
  let n = estimateTokens(m.content as string);
  if (m.role === 'assistant' && m.toolCalls)
    for (const c of m.toolCalls) n += estimateTokens(c.argumentsText) + 4;
  return n;
}

/** A request's estimated input tokens: system, messages and tool declarations. */
export function estimateInputTokens(req: {
  readonly system?: string;
  readonly messages: readonly Message[];
  readonly tools?: readonly ToolDefinition[];
}): number {
  let n = req.system ? estimateTokens(req.system) : 0;
  for (const m of req.messages) n += estimateMessageTokens(m);
  if (req.tools && req.tools.length > 0) n += estimateTokens(JSON.stringify(req.tools));
  return n;
}
