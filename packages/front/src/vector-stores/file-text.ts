import { extname } from 'node:path';
import { HttpError } from '../errors.js';

/**
 * The text of an uploaded file. Plain text, Markdown, JSON, HTML (as its text) and source code are read here; PDF
 * needs a parser this package does not ship (a well-kept one, unpdf, would be the choice), so PDF is refused with a
 * 400 at upload rather than accepted and failed later. Office formats likewise.
 */

export type FileFormat = 'text' | 'markdown' | 'json' | 'html';

const FORMATS: Readonly<Record<string, FileFormat>> = {
  '.txt': 'text',
  '.text': 'text',
  '.log': 'text',
  '.csv': 'text',
  '.tsv': 'text',
  '.xml': 'text',
  '.yaml': 'text',
  '.yml': 'text',
  '.rst': 'text',
  '.tex': 'text',
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.json': 'json',
  '.html': 'html',
  '.htm': 'html',
  ...Object.fromEntries(
    [
      'c',
      'h',
      'cc',
      'cpp',
      'hpp',
      'cs',
      'css',
      'go',
      'java',
      'js',
      'mjs',
      'ts',
      'py',
      'rb',
      'php',
      'sh',
      'rs',
    ]
      .concat(['kt', 'swift', 'sql'])
      .map((e) => [`.${e}`, 'text' as const]),
  ),
};

const REFUSED: Readonly<Record<string, string>> = {
  '.pdf':
    'PDF files are not supported by this gateway: it has no PDF parser installed. Convert the document to text or Markdown (e.g. `pdftotext file.pdf`) and upload that',
  '.doc': 'Word documents are not supported: save the document as text or Markdown and upload that',
  '.docx': 'Word documents are not supported: save the document as text or Markdown and upload that',
  '.pptx': 'PowerPoint files are not supported: export the slides as text or Markdown and upload that',
};

const SUPPORTED = '.txt, .md, .json, .html, .csv, .xml, .yaml and source code (.py, .ts, .js, .go, ...)';

/** The format of an upload from its name, else its declared media type; a 400 naming the supported ones otherwise. */
export function fileFormat(filename: string, mediaType = ''): FileFormat {
  const ext = extname(filename).toLowerCase();
  const refused = REFUSED[ext] ?? (mediaType === 'application/pdf' ? REFUSED['.pdf'] : undefined);
  if (refused) throw unsupported(filename, refused);
  const known = FORMATS[ext];
  if (known) return known;
  if (ext === '' && mediaType.startsWith('text/')) return mediaType === 'text/html' ? 'html' : 'text';
  throw unsupported(
    filename,
    `the file type ${ext === '' ? '(no extension)' : `"${ext}"`} is not supported; expected one of ${SUPPORTED}`,
  );
}

function unsupported(filename: string, message: string): HttpError {
  return new HttpError(400, `cannot read "${filename.slice(0, 120)}": ${message}`, {
    param: 'file',
    code: 'unsupported_file',
  });
}

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** The file's text to chunk; a 400 (`invalid_file`) when it is not UTF-8 or not the JSON its name says. */
export function extractText(bytes: Uint8Array, format: FileFormat, filename: string): string {
  let text: string;
  try {
    text = UTF8.decode(bytes);
  } catch {
    throw invalid(filename, 'it is not UTF-8 text; save it as UTF-8');
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (format === 'json') {
    try {
      JSON.parse(text);
    } catch (e) {
      throw invalid(filename, `it is not valid JSON (${(e as Error).message.slice(0, 120)})`);
    }
  }
  if (format === 'html') text = htmlText(text);
  if (text.trim().length === 0) throw invalid(filename, 'it has no text');
  return text;
}

function invalid(filename: string, message: string): HttpError {
  return new HttpError(400, `cannot read "${filename.slice(0, 120)}": ${message}`, {
    param: 'file',
    code: 'invalid_file',
  });
}

const BLOCK =
  /<\/?(?:p|div|br|li|ul|ol|h[1-6]|tr|td|th|table|section|article|header|footer|main|nav|aside|pre|blockquote|hr|dt|dd|title|figcaption)\b[^>]*>/gi;
const ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
};

/**
 * HTML as the text a reader sees: scripts, styles and comments dropped, block elements as line breaks, tags
 * removed, entities decoded, blank runs collapsed. Not a renderer: enough to embed a page's words.
 */
export function htmlText(html: string): string {
  return html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(script|style|noscript|template|svg)\b[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(BLOCK, '\n')
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (all, name: string) => {
      if (name[0] !== '#') return ENTITIES[name.toLowerCase()] ?? all;
      const code =
        name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : all;
    })
    .split('\n')
    .map((line) => line.replace(/[ \t\f\v\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
