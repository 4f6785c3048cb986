/**
 * Strings for a JSON Schema `pattern`, from a subset of regular expressions: literals, escapes (\d \w \s and
 * escaped punctuation), character classes, `.`, groups with alternation (the first alternative is taken) and the
 * quantifiers ? * + {n} {n,} {n,m}. Every candidate is checked against the real RegExp, so an unsupported
 * construct gives undefined, never a wrong string.
 */

const POOL = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.@/:';

interface Cursor {
  readonly source: string;
  at: number;
}

/** A character matched by the one-character regex `atom`, drawn from a small pool. */
function charFor(atom: string, rand: () => number): string | undefined {
  let re: RegExp;
  try {
    re = new RegExp(`^${atom}$`, 'u');
  } catch {
    return undefined;
  }
  const matching = [...POOL].filter((c) => re.test(c));
  return matching.length === 0 ? undefined : matching[Math.floor(rand() * matching.length)];
}

/** The source of one atom starting at the cursor (a class, an escape, a group, `.` or a literal). */
function readAtom(c: Cursor): { kind: 'char' | 'literal' | 'group' | 'empty'; source: string } {
  const ch = c.source[c.at]!;
  if (ch === '^' || ch === '$') {
    c.at++;
    return { kind: 'empty', source: '' };
  }
  if (ch === '[') {
    let i = c.at + 1;
    if (c.source[i] === '^') i++;
    if (c.source[i] === ']') i++;
    while (i < c.source.length && c.source[i] !== ']') i += c.source[i] === '\\' ? 2 : 1;
    const source = c.source.slice(c.at, i + 1);
    c.at = i + 1;
    return { kind: 'char', source };
  }
  if (ch === '\\') {
    const next = c.source[c.at + 1] ?? '';
    if (next === 'b' || next === 'B') {
      c.at += 2;
      return { kind: 'empty', source: '' };
    }
    if (/[^A-Za-z0-9]/.test(next)) {
      c.at += 2;
      return { kind: 'literal', source: next };
    }
    const long = /^\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2})/.exec(c.source.slice(c.at));
    const source = long ? long[0] : c.source.slice(c.at, c.at + 2);
    c.at += source.length;
    return { kind: 'char', source };
  }
  if (ch === '(') {
    let depth = 0;
    let i = c.at;
    for (; i < c.source.length; i++) {
      const x = c.source[i];
      if (x === '\\') i++;
      else if (x === '[') {
        while (i < c.source.length && c.source[i] !== ']') i += c.source[i] === '\\' ? 2 : 1;
      } else if (x === '(') depth++;
      else if (x === ')' && --depth === 0) break;
    }
    let inner = c.source.slice(c.at + 1, i);
    inner = inner.replace(/^\?(:|<[A-Za-z_][A-Za-z0-9_]*>)/, '');
    c.at = i + 1;
    return { kind: 'group', source: inner };
  }
  c.at++;
  return ch === '.' ? { kind: 'char', source: '.' } : { kind: 'literal', source: ch };
}

/** Reads a quantifier after an atom: [min, max] repetitions (max capped at min + 2 to keep samples short). */
function readQuantifier(c: Cursor, rand: () => number): number {
  const rest = c.source.slice(c.at);
  const m = /^(\?|\*|\+|\{(\d+)(,(\d*))?\})\??/.exec(rest);
  if (!m) return 1;
  c.at += m[0].length;
  let lo = 1;
  let hi = 1;
  if (m[1] === '?') [lo, hi] = [0, 1];
  else if (m[1] === '*') [lo, hi] = [0, 2];
  else if (m[1] === '+') [lo, hi] = [1, 3];
  else {
    lo = Number(m[2]);
    hi = m[3] === undefined ? lo : m[4] === '' ? lo + 2 : Math.min(Number(m[4]), lo + 2);
  }
  return lo + Math.floor(rand() * (hi - lo + 1));
}

/** The first top-level alternative of a (group's) source. */
function firstAlternative(source: string): string {
  let depth = 0;
  for (let i = 0; i < source.length; i++) {
    const x = source[i];
    if (x === '\\') i++;
    else if (x === '[') {
      while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
    } else if (x === '(') depth++;
    else if (x === ')') depth--;
    else if (x === '|' && depth === 0) return source.slice(0, i);
  }
  return source;
}

function generate(source: string, rand: () => number, budget: { steps: number }): string | undefined {
  const c: Cursor = { source: firstAlternative(source), at: 0 };
  let out = '';
  while (c.at < c.source.length) {
    if (--budget.steps < 0) return undefined;
    const atom = readAtom(c);
    const times = readQuantifier(c, rand);
    for (let i = 0; i < times; i++) {
      const piece =
        atom.kind === 'empty'
          ? ''
          : atom.kind === 'literal'
            ? atom.source
            : atom.kind === 'group'
              ? generate(atom.source, rand, budget)
              : charFor(atom.source, rand);
      if (piece === undefined) return undefined;
      out += piece;
    }
  }
  return out;
}

/** A string matching `pattern` (searched, as JSON Schema does) with a length in [min, max], or undefined. */
export function sampleFromPattern(
  pattern: string,
  rand: () => number,
  min = 0,
  max = Number.POSITIVE_INFINITY,
): string | undefined {
  let re: RegExp;
  try {
    re = new RegExp(pattern, 'u');
  } catch {
    return undefined;
  }
  for (let attempt = 0; attempt < 10; attempt++) {
    const text = generate(pattern, rand, { steps: 10_000 });
    if (text !== undefined && re.test(text) && [...text].length >= min && [...text].length <= max)
      return text;
  }
  return undefined;
}
