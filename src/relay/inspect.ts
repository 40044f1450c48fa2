/** What the relay checks in the raw bytes before anything else looks at them. */
export interface DataLimits {
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
 * Refuses framing a downstream MTA could misread (bare CR or LF: SMTP smuggling), lines and
 * headers over the limits, and mail that has looped. Returns the reply for the first problem.
 */
export function inspectData(raw: Buffer, limits: DataLimits): DataProblem | undefined {
  const framing = inspectLines(raw, limits);
  if (framing) return framing;
  const headerEnd = findHeaderEnd(raw, limits.maxHeaderBytes);
  if (headerEnd === -1 && raw.length > limits.maxHeaderBytes) {
    return { responseCode: 552, message: `5.3.4 Header section larger than ${limits.maxHeaderBytes} bytes` };
  }
  const received = countReceived(raw.subarray(0, headerEnd === -1 ? raw.length : headerEnd));
  if (received >= limits.maxReceivedHeaders) {
    return { responseCode: 554, message: `5.4.6 Too many hops (${received} Received headers): mail loop suspected` };
  }
  return undefined;
}

function inspectLines(raw: Buffer, limits: DataLimits): DataProblem | undefined {
  let lineStart = 0;
  let position = raw.indexOf(LF);
  while (position !== -1) {
    if (!limits.allowBareLineEndings && (position === 0 || raw[position - 1] !== CR)) {
      return { responseCode: 550, message: '5.5.2 Bare LF in message data is not allowed (SMTP smuggling protection); use CRLF line endings' };
    }
    if (position + 1 - lineStart > limits.maxLineBytes) {
      return { responseCode: 500, message: `5.5.2 Line longer than ${limits.maxLineBytes} octets in message data` };
    }
    lineStart = position + 1;
    position = raw.indexOf(LF, lineStart);
  }
  if (raw.length - lineStart > limits.maxLineBytes) {
    return { responseCode: 500, message: `5.5.2 Line longer than ${limits.maxLineBytes} octets in message data` };
  }
  if (!limits.allowBareLineEndings) {
    let cr = raw.indexOf(CR);
    while (cr !== -1) {
      if (raw[cr + 1] !== LF) {
        return { responseCode: 550, message: '5.5.2 Bare CR in message data is not allowed (SMTP smuggling protection); use CRLF line endings' };
      }
      cr = raw.indexOf(CR, cr + 2);
    }
  }
  return undefined;
}

/** Offset of the blank line ending the header section, or -1 if none within `limit` bytes. */
function findHeaderEnd(raw: Buffer, limit: number): number {
  if (raw[0] === CR && raw[1] === LF) return 0;
  const end = raw.indexOf('\r\n\r\n');
  if (end === -1 || end > limit) return -1;
  return end + 2;
}

function countReceived(header: Buffer): number {
  let count = 0;
  const text = header.toString('latin1');
  const pattern = /(?:^|\n)received:/gi;
  while (pattern.exec(text)) count += 1;
  return count;
}
