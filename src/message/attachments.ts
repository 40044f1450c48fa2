import type { Attachment as ParsedAttachment } from 'mailparser';

/** longest text kept from one attachment, in characters */
export const MAX_ATTACHMENT_TEXT_CHARS = 200_000;

export interface ExtractedText {
  readonly text?: string;
  readonly problem?: string;
}

/**
 * Text of an attachment a filter may need to read (a letter sent as a file). Nested messages are
 * handled by the caller, which parses them as messages.
 */
export async function extractAttachmentText(attachment: ParsedAttachment): Promise<ExtractedText> {
  const type = (attachment.contentType || '').toLowerCase();
  if (type.startsWith('text/') && type !== 'text/html') {
    return { text: attachment.content.toString('utf8', 0, Math.min(attachment.content.length, MAX_ATTACHMENT_TEXT_CHARS * 4)).slice(0, MAX_ATTACHMENT_TEXT_CHARS) };
  }
  return {};
}
