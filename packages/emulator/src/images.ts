import { createHash } from 'node:crypto';

/**
 * Images in chat requests: strict base64 and data-URL decoding, format sniffing (the services decode what they
 * receive, so bytes that are not the declared image are refused), pixel sizes for token counts, and the tag the
 * answer carries so a test can tell which image reached the model.
 */

export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp' | 'heic' | 'heif';

export interface ImageInfo {
  readonly format: ImageFormat;
  readonly bytes: number;
  /** `image sha256:<first 12 hex digits>`, written into the answer. */
  readonly tag: string;
  readonly width: number | undefined;
  readonly height: number | undefined;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Decodes standard base64 (whitespace ignored); undefined when the text is not base64. */
export function decodeBase64(text: string): Buffer | undefined {
  const compact = text.replace(/\s+/g, '');
  if (compact.length % 4 === 1 || !BASE64.test(compact)) return undefined;
  return Buffer.from(compact, 'base64');
}

/** `data:<mime>;base64,<data>` → the MIME type and the bytes; undefined when it is not a base64 data URL. */
export function parseDataUrl(url: string): { mimeType: string; bytes: Buffer } | undefined {
  const match = /^data:([\w.+-]+\/[\w.+-]+)(?:;[\w-]+=[^;,]*)*;base64,(.*)$/s.exec(url);
  if (!match) return undefined;
  const bytes = decodeBase64(match[2]!);
  return bytes && { mimeType: match[1]!.toLowerCase(), bytes };
}

/** The image format the bytes start with, from their magic numbers. */
export function sniffImage(bytes: Uint8Array): ImageFormat | undefined {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (b.length >= 8 && b.readUInt32BE(0) === 0x89504e47 && b.readUInt32BE(4) === 0x0d0a1a0a) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length >= 6 && /^GIF8[79]a$/.test(b.toString('latin1', 0, 6))) return 'gif';
  if (b.length >= 12 && b.toString('latin1', 0, 4) === 'RIFF' && b.toString('latin1', 8, 12) === 'WEBP')
    return 'webp';
  if (b.length >= 12 && b.toString('latin1', 4, 8) === 'ftyp') {
    const brand = b.toString('latin1', 8, 12);
    if (/^(heic|heix|hevc|hevx)$/.test(brand)) return 'heic';
    if (/^(mif1|msf1|heif)$/.test(brand)) return 'heif';
  }
  return undefined;
}

function jpegSize(b: Buffer): [number, number] | undefined {
  let i = 2;
  while (i + 9 < b.length && b[i] === 0xff) {
    const marker = b[i + 1]!;
    // SOF0..SOF15 carry the frame size; C4 (DHT), C8 (JPG) and CC (DAC) share the range but do not.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      return [b.readUInt16BE(i + 7), b.readUInt16BE(i + 5)];
    i += 2 + b.readUInt16BE(i + 2);
  }
  return undefined;
}

function webpSize(b: Buffer): [number, number] | undefined {
  const chunk = b.toString('latin1', 12, 16);
  if (chunk === 'VP8 ' && b.length >= 30) return [b.readUInt16LE(26) & 0x3fff, b.readUInt16LE(28) & 0x3fff];
  if (chunk === 'VP8L' && b.length >= 25) {
    const bits = b.readUInt32LE(21);
    return [(bits & 0x3fff) + 1, ((bits >> 14) & 0x3fff) + 1];
  }
  if (chunk === 'VP8X' && b.length >= 30) return [1 + b.readUIntLE(24, 3), 1 + b.readUIntLE(27, 3)];
  return undefined;
}

/** Width and height in pixels, read from the header (undefined for HEIC/HEIF and truncated files). */
export function imageSize(bytes: Buffer, format: ImageFormat): [number, number] | undefined {
  if (format === 'png' && bytes.length >= 24) return [bytes.readUInt32BE(16), bytes.readUInt32BE(20)];
  if (format === 'gif' && bytes.length >= 10) return [bytes.readUInt16LE(6), bytes.readUInt16LE(8)];
  if (format === 'jpeg') return jpegSize(bytes);
  if (format === 'webp') return webpSize(bytes);
  return undefined;
}

export function imageTag(bytes: Uint8Array): string {
  return `image sha256:${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}`;
}

/** Describes image bytes; undefined when they are no image format the emulator knows. */
export function describeImage(bytes: Buffer): ImageInfo | undefined {
  const format = sniffImage(bytes);
  if (!format) return undefined;
  const size = imageSize(bytes, format);
  return { format, bytes: bytes.length, tag: imageTag(bytes), width: size?.[0], height: size?.[1] };
}

/** Claude: about width × height / 750 tokens after fitting the long edge into 1,568 px; 1,600 when unknown. */
export function claudeImageTokens(image: ImageInfo): number {
  if (!image.width || !image.height) return 1600;
  const scale = Math.min(1, 1568 / Math.max(image.width, image.height));
  return Math.max(1, Math.ceil((image.width * scale * (image.height * scale)) / 750));
}

/** Gemini 2.x: 258 tokens up to 384 × 384 px, else 258 per 768 × 768 tile. */
export function geminiImageTokens(image: ImageInfo): number {
  if (!image.width || !image.height || (image.width <= 384 && image.height <= 384)) return 258;
  return Math.ceil(image.width / 768) * Math.ceil(image.height / 768) * 258;
}

/** OpenAI-style vision: 85 tokens at low detail, else 85 + 170 per 512 px tile of the image fitted to 2048/768. */
export function openAiImageTokens(image: ImageInfo, detail: string | undefined): number {
  if (detail === 'low') return 85;
  if (!image.width || !image.height) return 765;
  let w = image.width;
  let h = image.height;
  const fit = Math.min(1, 2048 / Math.max(w, h));
  w *= fit;
  h *= fit;
  const shrink = Math.min(1, 768 / Math.min(w, h));
  w *= shrink;
  h *= shrink;
  return 85 + 170 * Math.ceil(w / 512) * Math.ceil(h / 512);
}
