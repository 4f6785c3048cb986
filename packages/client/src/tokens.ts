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
