import type { Role } from '../directory.js';

/** One address in the message, resolved against the directory. */
export interface Party {
  /** normalised: lower case, plus-tag removed */
  readonly address: string;
  /** as written, for evidence */
  readonly original: string;
  readonly displayName?: string;
  readonly roles: readonly Role[];
  /** the directory's name for the person, if known */
  readonly person?: string;
}

export type Direction = 'inbound' | 'outbound' | 'internal' | 'external';

export interface HeaderLine {
  /** lower-case header name */
  readonly key: string;
  /** unfolded, decoded value */
  readonly value: string;
}

export interface TextSpan {
  readonly start: number;
  readonly end: number;
}

/**
 * The body text, split into what the sender wrote now and what they quoted, forwarded or
 * signed. Offsets are into `body`.
 */
export interface MessageText {
  /** the whole readable text: the text/plain part, or the HTML part converted to text */
  readonly body: string;
  /** the sender's new text (quotes, forwarded parts and signature removed) */
  readonly newText: string;
  /** where each piece of `newText` stands in `body` */
  readonly newSpans: readonly TextSpan[];
  readonly quoted: readonly TextSpan[];
  /** the signature block, if one was recognised */
  readonly signature?: TextSpan;
  /** the body came from HTML */
  readonly fromHtml: boolean;
  /** the body was cut at the parse limit */
  readonly truncated: boolean;
}

export interface Attachment {
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
  /** text extracted from the attachment (text/*, message/rfc822, .docx, .pdf), if any */
  readonly text?: string;
  /** why no text was extracted, when one was expected */
  readonly textProblem?: string;
}

/**
 * What the envelope and the header section say: who the parties are and in which direction the
 * message goes. A filter's scope is decided on this alone, before the body is parsed.
 */
export interface MessageParties {
  readonly envelope: { readonly mailFrom: string | null; readonly rcptTo: readonly string[] };
  readonly messageId?: string;
  readonly date?: string;
  readonly subject: string;
  readonly from: readonly Party[];
  readonly sender?: Party;
  readonly replyTo: readonly Party[];
  readonly to: readonly Party[];
  readonly cc: readonly Party[];
  /** a Bcc: header left in the message */
  readonly bcc: readonly Party[];
  /** every envelope recipient, resolved */
  readonly recipients: readonly Party[];
  readonly headers: readonly HeaderLine[];
  readonly inReplyTo?: string;
  readonly references: readonly string[];
  /** Auto-Submitted other than "no", or an auto-reply marker */
  readonly automated: boolean;
  readonly direction: Direction;
}

/** Everything filters know about one message. Plain data: it crosses a worker boundary. */
export interface ScreenedMessage extends MessageParties {
  readonly text: MessageText;
  readonly attachments: readonly Attachment[];
  /** what could not be parsed, in words */
  readonly problems: readonly string[];
  /** what no filter could read (past a limit, a document that could not be opened), in words */
  readonly unread: readonly string[];
}
