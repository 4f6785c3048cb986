/**
 * A deterministic lexical embedding model: texts that share words (and word pairs) get close vectors, so retrieval
 * can be tested against the emulator. Same input, same vector; no state, no randomness.
 *
 * Features are the normalised words of the text and its adjacent word pairs, feature-hashed (signed) into the
 * requested dimension and L2-normalised. Very common English words weigh little, so two texts are not close
 * just because both say "the"; repeated words count sub-linearly, so a long chunk is not dominated by one word.
 */

/** Text before a NUL is the embedding's role (e.g. Cohere's `search_query`), not content. */
const ROLE_SEPARATOR = '\u0000';

const WORD = /[\p{L}\p{N}]+/gu;

/** Weight of a word pair relative to a word: pairs refine the ranking, shared words drive it. */
const PAIR_WEIGHT = 0.5;
/** Weight of a stop word: above zero, so a text of stop words still has a direction of its own. */
const STOP_WEIGHT = 0.1;
/**
 * Weight of the role feature: enough that a query and a document embedding of one text differ (as on Cohere and
 * Vertex), small enough that the role barely moves similarity between a query and the documents it matches.
 */
const ROLE_WEIGHT = 0.05;
/** Norm of the dense component relative to the (unit) lexical one. */
const DENSE_WEIGHT = 0.1;

const STOP_WORDS = new Set(
  (
    'a an and are as at be been but by can could did do does for from had has have he her his how i if in into ' +
    'is it its me my no not of on or our she so than that the their them then there these they this those to ' +
    'us was we were what when where which who why will with would you your'
  ).split(' '),
);

const FNV_OFFSET = 0x811c9dc5;
const SALTS = [0x5bd1e995, 0x27d4eb2f] as const;
const FNV_PRIME = 0x01000193;

function fnv(hash: number, text: string): number {
  let h = hash;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), FNV_PRIME);
  return h >>> 0;
}

/** murmur3's finaliser: FNV alone leaves low bits (used for the index) poorly mixed for short words. */
function mix(hash: number): number {
  let h = hash;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/**
 * Adds `weight` to hashed coordinates of a feature, with hashed signs so collisions cancel out on average. Each
 * feature lands on two coordinates: two different words then share a whole vector only if both hashes collide,
 * which keeps one-word texts apart even in a few dimensions.
 */
function addFeature(v: Float64Array, seed: number, feature: string, weight: number): void {
  const h = fnv(seed, feature);
  for (const salt of SALTS) {
    const x = mix(h ^ salt);
    const sign = mix(x ^ 0x9e3779b9) & 1 ? -1 : 1;
    const index = x % v.length;
    v[index] = (v[index] ?? 0) + sign * weight * Math.SQRT1_2;
  }
}

function squaredNorm(v: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += v[i]! * v[i]!;
  return sum;
}

/** Words of a text, NFKC-normalised and lowercased. */
export function lexicalWords(text: string): string[] {
  return text.normalize('NFKC').toLowerCase().match(WORD) ?? [];
}

/**
 * The embedding of `text` in `dimensions` dimensions, for `model` (each model hashes into its own space, so two
 * models' vectors of one text differ as real models' do).
 */
export function lexicalEmbedding(text: string, dimensions: number, model = ''): number[] {
  const cut = text.indexOf(ROLE_SEPARATOR);
  const role = cut < 0 ? '' : text.slice(0, cut);
  const body = cut < 0 ? text : text.slice(cut + 1);
  const seed = fnv(FNV_OFFSET, `${model}${ROLE_SEPARATOR}`);
  const v = new Float64Array(dimensions);

  const counts = new Map<string, number>();
  const words = lexicalWords(body);
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    counts.set(word, (counts.get(word) ?? 0) + 1);
    const next = words[i + 1];
    if (next !== undefined && !(STOP_WORDS.has(word) && STOP_WORDS.has(next))) {
      const pair = `${word} ${next}`;
      counts.set(pair, (counts.get(pair) ?? 0) + 1);
    }
  }
  for (const [feature, count] of counts) {
    // Words never contain a space, so a space marks a pair.
    const base = feature.includes(' ') ? PAIR_WEIGHT : STOP_WORDS.has(feature) ? STOP_WEIGHT : 1;
    addFeature(v, seed, feature, base * (1 + Math.log(count)));
  }
  if (role !== '') addFeature(v, seed, `${ROLE_SEPARATOR}role ${role}`, ROLE_WEIGHT);

  let norm = squaredNorm(v);
  if (norm === 0) {
    // No words (punctuation, empty text) or features that cancelled out: the raw text still gets a direction.
    addFeature(v, seed, `${ROLE_SEPARATOR}text ${text}`, 1);
    norm = squaredNorm(v);
  }
  if (norm === 0) {
    // Its two coordinates cancelled too (one dimension): one coordinate, then.
    v[fnv(seed, text) % dimensions] = 1;
    norm = 1;
  }
  // Real embeddings are dense: every coordinate carries a little of every text. A small dense component seeded
  // by the words keeps that shape (no coordinate is zero for most texts) and moves similarities by about 1%.
  const scale = 1 / Math.sqrt(norm);
  const noiseSeed = fnv(seed, words.join(' '));
  const noise = new Float64Array(dimensions);
  let noiseNorm = 0;
  for (let i = 0; i < dimensions; i++) {
    noise[i] = mix(noiseSeed ^ Math.imul(i + 1, 0x9e3779b9)) / 4294967296 - 0.5;
    noiseNorm += noise[i]! * noise[i]!;
  }
  const noiseScale = noiseNorm === 0 ? 0 : DENSE_WEIGHT / Math.sqrt(noiseNorm);
  const out = new Array<number>(dimensions);
  let total = 0;
  for (let i = 0; i < dimensions; i++) {
    out[i] = v[i]! * scale + noise[i]! * noiseScale;
    total += out[i]! * out[i]!;
  }
  // The two parts may cancel in few dimensions: the lexical part alone then.
  const final = total === 0 ? 0 : 1 / Math.sqrt(total);
  for (let i = 0; i < dimensions; i++) out[i] = final === 0 ? v[i]! * scale : out[i]! * final;
  return out;
}
