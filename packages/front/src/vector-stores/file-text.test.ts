import { describe, expect, it } from 'vitest';
import { HttpError } from '../errors.js';
import { extractText, fileFormat, htmlText } from './file-text.js';

const bytes = (s: string) => new TextEncoder().encode(s);

function refusal(fn: () => unknown): HttpError {
  try {
    fn();
  } catch (e) {
    if (e instanceof HttpError) return e;
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('fileFormat', () => {
  it('reads text, Markdown, JSON, HTML and code by extension, text/* without one', () => {
    expect(fileFormat('notes.TXT')).toBe('text');
    expect(fileFormat('README.md')).toBe('markdown');
    expect(fileFormat('data.json')).toBe('json');
    expect(fileFormat('page.htm')).toBe('html');
    expect(fileFormat('main.py')).toBe('text');
    expect(fileFormat('blob', 'text/plain')).toBe('text');
    expect(fileFormat('blob', 'text/html')).toBe('html');
  });

  it('refuses PDF with a 400 that says why and what to do instead', () => {
    for (const e of [
      refusal(() => fileFormat('report.pdf')),
      refusal(() => fileFormat('x', 'application/pdf')),
    ]) {
      expect(e.status).toBe(400);
      expect(e.code).toBe('unsupported_file');
      expect(e.message).toContain('PDF files are not supported by this gateway');
      expect(e.message).toContain('Convert the document to text or Markdown');
    }
  });

  it('refuses other types naming the supported ones', () => {
    const e = refusal(() => fileFormat('image.png', 'image/png'));
    expect(e.status).toBe(400);
    expect(e.message).toContain('"image.png"');
    expect(e.message).toContain('".png" is not supported; expected one of .txt, .md, .json, .html');
  });
});

describe('extractText', () => {
  it('refuses bytes that are not UTF-8, JSON that does not parse and empty files', () => {
    expect(refusal(() => extractText(new Uint8Array([0xff, 0xfe, 0x00]), 'text', 'a.txt')).message).toContain(
      'it is not UTF-8 text',
    );
    const json = refusal(() => extractText(bytes('{"a": '), 'json', 'a.json'));
    expect(json.code).toBe('invalid_file');
    expect(json.message).toContain('it is not valid JSON');
    expect(refusal(() => extractText(bytes('  \n'), 'text', 'a.txt')).message).toContain('it has no text');
  });

  it('drops a byte order mark and keeps text as it is', () => {
    expect(extractText(bytes('\ufeffHello *world*'), 'markdown', 'a.md')).toBe('Hello *world*');
  });

  it('reads HTML as its visible text', () => {
    const html = `<!doctype html><html><head><title>Tides</title><style>p{color:red}</style>
      <script>alert("x < y")</script></head><body><!-- hidden -->
      <h1>Spring &amp; neap tides</h1><p>The Moon&#39;s pull<br>and the Sun&#x2019;s.</p>
      <ul><li>one</li><li>two&nbsp;items</li></ul></body></html>`;
    const text = htmlText(html);
    expect(text).toContain('Tides');
    expect(text).toContain('Spring & neap tides');
    expect(text).toContain("The Moon's pull\nand the Sun\u2019s.");
    expect(text).toContain('one\n');
    expect(text).toContain('two items');
    expect(text).not.toMatch(/alert|color:red|hidden|<|>/);
  });
});
