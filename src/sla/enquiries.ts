import type { Config } from '../config/schema.js';
import type { Directory } from '../directory.js';
import type { ScreenedMessage } from '../message/model.js';

/** A member enquiry this message opens, with its deadlines (ISO-8601 strings). */
export interface EnquiryOpening {
  readonly member: string;
  readonly officer: string;
  readonly acknowledgeBy: string;
  readonly respondBy: string;
}

/** Whether the message opens a member enquiry. Enquiry detection is not built yet: none is opened. */
export function detectEnquiry(_message: ScreenedMessage, _config: Config, _directory: Directory, _receivedAt: Date): EnquiryOpening | null {
  return null;
}
