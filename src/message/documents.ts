import { inflateRawSync } from 'node:zlib';

/**
 * Reading the text of documents (Word .docx through mammoth, PDF through unpdf's build of pdf.js).
 * This runs in the document thread (document-worker.ts), which the caller stops when a document
 * takes too long or too much memory; nothing here needs to be interruptible itself.
 */

/** pages of a PDF read: a letter is a few pages, a 500-page report is not a letter */
export const MAX_PDF_PAGES = 30;
/** a .docx whose parts would inflate past this many bytes is refused (a zip bomb, or not a letter) */
export const MAX_DOCX_INFLATED_BYTES = 40 * 1024 * 1024;

export type DocumentKind = 'docx' | 'pdf';

export interface ExtractedText {
  readonly text?: string;
  readonly problem?: string;
}

/** The text of a document, at most `maxChars` of it; what stopped the reading short, as a problem. */
export async function documentText(kind: DocumentKind, content: Buffer, maxChars: number, deadline: number, timeoutMs: number): Promise<ExtractedText> {
  const extracted = kind === 'docx' ? { text: await docxText(content) } : await pdfText(content, deadline, maxChars, timeoutMs);
  return extracted.text === undefined ? extracted : { ...extracted, text: extracted.text.slice(0, maxChars) };
}

async function docxText(content: Buffer): Promise<string> {
  const inflated = inflatedZipSize(content);
  if (inflated === undefined) throw new Error('not a zip archive');
  if (inflated > MAX_DOCX_INFLATED_BYTES) throw new Error(`parts would inflate to ${inflated} bytes (limit ${MAX_DOCX_INFLATED_BYTES})`);
  // the sizes an archive declares can lie: inflate each part against the cap before the reader does
  const actual = checkedInflatedSize(content, MAX_DOCX_INFLATED_BYTES);
  if (actual === undefined) throw new Error(`parts inflate to more than ${MAX_DOCX_INFLATED_BYTES} bytes, more than they declare`);
  const mammoth = (await import('mammoth')).default;
  const result = await mammoth.extractRawText({ buffer: content });
  return result.value;
}

async function pdfText(content: Buffer, deadline: number, maxChars: number, timeoutMs: number): Promise<ExtractedText> {
  // loaded on first use: pdf.js is large and most mail carries no PDF
  const { getDocumentProxy } = await import('unpdf');
  const document = await getDocumentProxy(new Uint8Array(content), { isEvalSupported: false, stopAtErrors: false, verbosity: 0 });
  try {
    const pages: string[] = [];
    let length = 0;
    const last = Math.min(document.numPages, MAX_PDF_PAGES);
    for (let number = 1; number <= last && length < maxChars && Date.now() < deadline; number += 1) {
      const page = await document.getPage(number);
      const content = await page.getTextContent();
      let text = '';
      for (const item of content.items) {
        if ('str' in item) text += item.str + (item.hasEOL ? '\n' : '');
      }
      page.cleanup();
      pages.push(text);
      length += text.length;
    }
    if (pages.length < last && length < maxChars) {
      const problem = `pdf text extraction took longer than ${timeoutMs} ms`;
      return pages.length === 0 ? { problem } : { text: pages.join('\n'), problem: `${problem}; read ${pages.length} of ${document.numPages} pages` };
    }
    if (document.numPages > last && length < maxChars) return { text: pages.join('\n'), problem: `read the first ${last} of ${document.numPages} pages` };
    return { text: pages.join('\n') };
  } finally {
    await document.destroy();
  }
}

/**
 * What a zip archive's parts really inflate to, found by inflating each with a hard cap on the
 * output (so a lying archive costs at most `cap` bytes, given back at once), or undefined when
 * they pass the cap together. A part the archive does not describe well enough to find is left to
 * the reader, which fails on it the same way.
 */
export function checkedInflatedSize(content: Buffer, cap: number): number | undefined {
  let total = 0;
  for (const entry of zipEntries(content) ?? []) {
    const local = entry.localOffset;
    if (local + 30 > content.length || content.readUInt32LE(local) !== LOCAL_FILE_HEADER) continue;
    const start = local + 30 + content.readUInt16LE(local + 26) + content.readUInt16LE(local + 28);
    const data = content.subarray(start, Math.min(content.length, start + entry.compressedSize));
    const room = cap - total;
    if (entry.method === STORED) total += data.length;
    else if (entry.method === DEFLATED) {
      try {
        total += inflateRawSync(data, { maxOutputLength: Math.max(1, room) }).length;
      } catch (error) {
        if (error instanceof RangeError || (error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') return undefined;
        // a corrupt stream: the reader reports it
      }
    }
    if (total > cap) return undefined;
  }
  return total;
}

const LOCAL_FILE_HEADER = 0x04034b50;
const STORED = 0;
const DEFLATED = 8;

interface ZipEntry {
  readonly method: number;
  readonly compressedSize: number;
  readonly declaredSize: number;
  readonly localOffset: number;
}

/**
 * The total uncompressed size the central directory of a zip archive declares, or undefined if
 * the bytes are not a zip. Read before inflating anything, so a bomb is refused unopened.
 */
export function inflatedZipSize(content: Buffer): number | undefined {
  const entries = zipEntries(content);
  return entries?.reduce((sum, entry) => sum + entry.declaredSize, 0);
}

/** The entries of a zip archive's central directory, or undefined if the bytes are not a zip. */
function zipEntries(content: Buffer): ZipEntry[] | undefined {
  const END_OF_CENTRAL_DIRECTORY = 0x06054b50;
  const CENTRAL_FILE_HEADER = 0x02014b50;
  // the end record sits in the last 22 bytes plus an optional comment of up to 65,535 bytes
  const searchFrom = Math.max(0, content.length - 22 - 65_535);
  let end = -1;
  for (let offset = content.length - 22; offset >= searchFrom; offset -= 1) {
    if (content.readUInt32LE(offset) === END_OF_CENTRAL_DIRECTORY) {
      end = offset;
      break;
    }
  }
  if (end < 0) return undefined;
  const count = content.readUInt16LE(end + 10);
  let offset = content.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let index = 0; index < count; index += 1) {
    if (offset + 46 > content.length || content.readUInt32LE(offset) !== CENTRAL_FILE_HEADER) return undefined;
    entries.push({
      method: content.readUInt16LE(offset + 10),
      compressedSize: content.readUInt32LE(offset + 20),
      declaredSize: content.readUInt32LE(offset + 24),
      localOffset: content.readUInt32LE(offset + 42),
    });
    offset += 46 + content.readUInt16LE(offset + 28) + content.readUInt16LE(offset + 30) + content.readUInt16LE(offset + 32);
  }
  return entries;
}
