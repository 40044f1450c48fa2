import libmime from 'libmime';

/**
 * Counts a message's MIME parts and how deeply multiparts nest, as the bytes arrive, without
 * parsing anything else. The relay refuses a message beyond the bounds before it is screened: a
 * parser that gave up on it would otherwise let it through unread.
 *
 * Only what delimits parts is read: each entity's header (for a multipart's boundary, or a nested
 * message), and in bodies the lines that start with "--". Lines are kept up to a bound; a longer
 * one cannot be a delimiter (RFC 2046 boundaries are at most 70 characters) or a header the scan needs.
 */

export interface StructureLimits {
  readonly maxMimeParts: number;
  readonly maxMimeDepth: number;
}

export interface StructureCount {
  readonly parts: number;
  readonly depth: number;
}

const LF = 0x0a;
const DASH = 0x2d;
/** bytes of a line kept; the rest of a longer line is skipped */
const MAX_KEPT_LINE = 8_192;
/** bytes of one entity's Content-Type and Content-Transfer-Encoding fields kept */
const MAX_ENTITY_HEADER = 65_536;
const RELEVANT_FIELD = /^content-(type|transfer-encoding)[ \t]*:/i;

export class MimeStructureScanner {
  private parts = 0;
  private deepest = 0;
  /** boundaries of the multiparts open at this point, outermost first */
  private readonly boundaries: string[] = [];
  private inHeader = true;
  /** the entity's Content-Type and Content-Transfer-Encoding fields so far */
  private header = '';
  /** the header field being read is one of those */
  private relevantField = false;
  private line = '';
  private lineOverflow = false;
  private exceeded: 'parts' | 'depth' | undefined;

  constructor(private readonly limits: StructureLimits) {}

  write(chunk: Buffer): void {
    if (this.exceeded) return;
    let start = 0;
    let end = chunk.indexOf(LF, start);
    while (end !== -1) {
      this.append(chunk, start, end);
      this.endLine();
      if (this.exceeded) return;
      start = end + 1;
      end = chunk.indexOf(LF, start);
    }
    this.append(chunk, start, chunk.length);
  }

  /** which bound the message passed, if any, and what was counted */
  result(): StructureCount & { readonly exceeded?: 'parts' | 'depth' } {
    return { parts: this.parts, depth: this.deepest, ...(this.exceeded ? { exceeded: this.exceeded } : {}) };
  }

  private append(chunk: Buffer, from: number, to: number): void {
    if (to <= from || this.lineOverflow) return;
    // in a body only a line starting "--" can matter: the rest of it is not kept
    if (!this.inHeader && this.line.length === 0 && chunk[from] !== DASH) {
      this.lineOverflow = true;
      return;
    }
    const room = MAX_KEPT_LINE - this.line.length;
    if (to - from > room) this.lineOverflow = true;
    this.line += chunk.toString('latin1', from, from + Math.min(room, to - from));
  }

  private endLine(): void {
    const line = this.line.endsWith('\r') ? this.line.slice(0, -1) : this.line;
    const overflowed = this.lineOverflow;
    this.line = '';
    this.lineOverflow = false;
    // a delimiter counts wherever it stands, in a part's header too, as the parser reads it
    if (!overflowed && line.startsWith('--') && this.boundaries.length > 0 && this.delimiter(line)) return;
    if (this.inHeader) {
      if (line === '') this.endHeader();
      else {
        // other fields may be any size; only these two are kept
        if (line[0] !== ' ' && line[0] !== '\t') this.relevantField = RELEVANT_FIELD.test(line);
        if (this.relevantField && this.header.length < MAX_ENTITY_HEADER) this.header += `${line}\n`;
      }
      return;
    }
  }

  /** Reads `line` as a delimiter of an open boundary, if it is one: the innermost first, and one of an outer boundary also closes what is open inside it. */
  private delimiter(line: string): boolean {
    for (let index = this.boundaries.length - 1; index >= 0; index -= 1) {
      const boundary = this.boundaries[index] as string;
      if (!line.startsWith(boundary, 2)) continue;
      const rest = line.slice(2 + boundary.length);
      if (rest.startsWith('--') && rest.slice(2).trim() === '') {
        this.boundaries.length = index;
        this.inHeader = false;
        return true;
      }
      if (rest.trim() !== '') continue;
      this.boundaries.length = index + 1;
      this.parts += 1;
      if (this.parts > this.limits.maxMimeParts) this.exceeded = 'parts';
      this.inHeader = true;
      this.header = '';
      this.relevantField = false;
      return true;
    }
    return false;
  }

  private endHeader(): void {
    this.inHeader = false;
    this.relevantField = false;
    const contentType = contentTypeOf(this.header);
    this.header = '';
    if (!contentType) return;
    if (contentType.type.startsWith('multipart/') && contentType.boundary) {
      this.boundaries.push(contentType.boundary);
      this.deepest = Math.max(this.deepest, this.boundaries.length);
      if (this.boundaries.length > this.limits.maxMimeDepth) this.exceeded = 'depth';
    } else if (contentType.type === 'message/rfc822' || contentType.type === 'message/global') {
      // the body is a message of its own, header first; an encoded one is opaque here, and the parser,
      // which decodes it, refuses it if it cannot take it apart
      this.inHeader = !contentType.encoded;
      this.header = '';
    }
  }
}

/**
 * The Content-Type of an entity's header (folded lines joined; parameters, quoting and RFC 2231
 * continuations read by libmime, as the parser reads them), and the Content-Transfer-Encoding's effect.
 */
function contentTypeOf(header: string): { type: string; boundary?: string; encoded: boolean } | undefined {
  const unfolded = header.replace(/\n[ \t]+/g, ' ');
  const typeLine = /^content-type[ \t]*:[ \t]*([^\n]*)$/im.exec(unfolded)?.[1];
  if (!typeLine) return undefined;
  const parsed = libmime.parseHeaderValue(typeLine);
  const type = parsed.value.replace(/\([^)]*\)/g, '').trim().toLowerCase();
  const boundary = parsed.params.boundary;
  const encoding = /^content-transfer-encoding[ \t]*:[ \t]*([^\s;]*)/im.exec(unfolded)?.[1]?.toLowerCase();
  const encoded = encoding === 'base64' || encoding === 'quoted-printable';
  return { type, ...(boundary ? { boundary } : {}), encoded };
}
