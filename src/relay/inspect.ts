import { MimeStructureScanner, type StructureLimits } from '../message/structure.js';

/** What the relay checks in the raw bytes before anything else looks at them. */
export interface DataLimits extends StructureLimits {
  readonly allowBareLineEndings: boolean;
  readonly maxLineBytes: number;
  readonly maxHeaderBytes: number;
  readonly maxReceivedHeaders: number;
}

export interface DataProblem {
  readonly responseCode: number;
  readonly message: string;
}

const CR = 0x0d;
const LF = 0x0a;

/**
 * Refuses framing a downstream MTA could misread (bare CR or LF: SMTP smuggling), NUL bytes,
 * lines and headers over the limits, mail that has looped, and MIME structure beyond what is
 * screened (more parts, or deeper nesting, than the limits). Returns the reply for the first problem.
 */
export function inspectData(raw: Buffer, limits: DataLimits): DataProblem | undefined {
  const inspector = new DataInspector(limits);
  inspector.write(raw);
  return inspector.finish();
}

const EMPTY = Buffer.alloc(0);
const HEADER_END = Buffer.from('\r\n\r\n');
/** the header's end is not known yet */
const UNKNOWN = -2;
/** no blank line ends the header within the limit */
const NONE = -1;

/**
 * The same checks as `inspectData`, on a message as it arrives in chunks of any size, so a
 * message kept on disk is never read back whole. Holds at most the header section.
 */
export class DataInspector {
  private total = 0;
  /** bytes of the line being read so far */
  private lineLength = 0;
  private lastByte = -1;
  /** the last chunk ended in CR: the next must start with LF */
  private pendingCr = false;
  private lineProblem: DataProblem | undefined;
  private crProblem: DataProblem | undefined;
  /** a NUL byte, which RFC 5321 (4.1.1.4, 4.5.2) does not allow in mail data */
  private sawNul = false;
  /** the message's first bytes, until the header's end is known; then the header alone */
  private head: Buffer = EMPTY;
  private headerEnd = UNKNOWN;
  private readonly structure: MimeStructureScanner;

  constructor(private readonly limits: DataLimits) {
    this.structure = new MimeStructureScanner(limits);
  }

  write(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (!this.lineProblem) this.scanLines(chunk);
    if (!this.limits.allowBareLineEndings && !this.crProblem) this.scanCarriageReturns(chunk);
    if (this.headerEnd === UNKNOWN) this.collectHeader(chunk);
    if (!this.sawNul && chunk.includes(0)) this.sawNul = true;
    this.structure.write(chunk);
    this.total += chunk.length;
    this.lastByte = chunk[chunk.length - 1] ?? -1;
  }

  /**
   * The header section (after `finish`) already has this gateway's screening header: a sender
   * may have written it to look screened. It is screened all the same; the caller says so in the log.
   */
  carriesScreeningHeader(): boolean {
    if (this.headerEnd <= 0) return false;
    const header = this.head.subarray(0, this.headerEnd).toString('latin1').toLowerCase();
    return header.startsWith('x-member-officer-screening:') || header.includes('\nx-member-officer-screening:');
  }

  /** The reply for the first problem in the whole message, or undefined. */
  finish(): DataProblem | undefined {
    const { limits } = this;
    if (this.lineProblem) return this.lineProblem;
    if (this.lineLength > limits.maxLineBytes) return longLine(limits);
    if (this.pendingCr) return BARE_CR;
    if (this.crProblem) return this.crProblem;
    // a downstream MTA may cut the text at a NUL, or refuse it after this gateway has said 250
    if (this.sawNul) return { responseCode: 554, message: '5.6.0 Message contains a NUL byte, which SMTP does not allow; remove it (or encode the part in base64) and send again' };
    if (this.headerEnd === UNKNOWN) this.headerEnd = this.head[0] === CR && this.head[1] === LF ? 0 : NONE;
    if (this.headerEnd === NONE && this.total > limits.maxHeaderBytes) {
      return { responseCode: 552, message: `5.3.4 Header section larger than ${limits.maxHeaderBytes} bytes` };
    }
    const received = countReceived(this.headerEnd === NONE ? this.head : this.head.subarray(0, this.headerEnd));
    if (received >= limits.maxReceivedHeaders) {
      return { responseCode: 554, message: `5.4.6 Too many hops (${received} Received headers): mail loop suspected` };
    }
    // a parser that gave up on such a message would let it through unread
    const structure = this.structure.result();
    if (structure.exceeded === 'parts') {
      return { responseCode: 554, message: `5.6.0 Message has more than ${limits.maxMimeParts} MIME parts, more than this gateway screens; send fewer parts` };
    }
    if (structure.exceeded === 'depth') {
      return { responseCode: 554, message: `5.6.0 Message has multiparts nested more than ${limits.maxMimeDepth} deep, more than this gateway screens` };
    }
    return undefined;
  }

  private scanLines(chunk: Buffer): void {
    const { limits } = this;
    let lineStart = 0;
    let position = chunk.indexOf(LF);
    while (position !== -1) {
      const before = position === 0 ? this.lastByte : chunk[position - 1];
      if (!limits.allowBareLineEndings && before !== CR) {
        this.lineProblem = BARE_LF;
        return;
      }
      if (this.lineLength + position + 1 - lineStart > limits.maxLineBytes) {
        this.lineProblem = longLine(limits);
        return;
      }
      this.lineLength = 0;
      lineStart = position + 1;
      position = chunk.indexOf(LF, lineStart);
    }
    this.lineLength += chunk.length - lineStart;
  }

  private scanCarriageReturns(chunk: Buffer): void {
    let from = 0;
    if (this.pendingCr) {
      this.pendingCr = false;
      if (chunk[0] !== LF) {
        this.crProblem = BARE_CR;
        return;
      }
      from = 1;
    }
    let cr = chunk.indexOf(CR, from);
    while (cr !== -1) {
      if (cr + 1 === chunk.length) {
        this.pendingCr = true;
        return;
      }
      if (chunk[cr + 1] !== LF) {
        this.crProblem = BARE_CR;
        return;
      }
      cr = chunk.indexOf(CR, cr + 2);
    }
  }

  /** Keeps the first bytes until the blank line ending the header is found or cannot be within the limit. */
  private collectHeader(chunk: Buffer): void {
    const limit = this.limits.maxHeaderBytes;
    const wanted = chunk.subarray(0, Math.max(0, limit + HEADER_END.length - this.head.length));
    this.head = this.head.length === 0 ? wanted : Buffer.concat([this.head, wanted]);
    if (this.head.length >= 2 && this.head[0] === CR && this.head[1] === LF) {
      this.headerEnd = 0;
    } else {
      // the blank line may straddle the previous chunk and this one
      const end = this.head.indexOf(HEADER_END, Math.max(0, this.head.length - wanted.length - (HEADER_END.length - 1)));
      if (end !== -1) this.headerEnd = end > limit ? NONE : end + 2;
      else if (this.head.length >= limit + HEADER_END.length) this.headerEnd = NONE;
    }
    if (this.headerEnd === NONE) this.head = EMPTY;
    else if (this.headerEnd !== UNKNOWN) this.head = Buffer.from(this.head.subarray(0, this.headerEnd));
  }
}

const BARE_LF: DataProblem = { responseCode: 550, message: '5.5.2 Bare LF in message data is not allowed (SMTP smuggling protection); use CRLF line endings' };
const BARE_CR: DataProblem = { responseCode: 550, message: '5.5.2 Bare CR in message data is not allowed (SMTP smuggling protection); use CRLF line endings' };

function longLine(limits: DataLimits): DataProblem {
  return { responseCode: 500, message: `5.5.2 Line longer than ${limits.maxLineBytes} octets in message data` };
}

function countReceived(header: Buffer): number {
  let count = 0;
  const text = header.toString('latin1');
  const pattern = /(?:^|\n)received:/gi;
  while (pattern.exec(text)) count += 1;
  return count;
}
