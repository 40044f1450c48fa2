import type { ZodObject, ZodRawShape } from 'zod';
import type { Config, FilterSettings } from './config/schema.js';
import type { Directory } from './directory.js';
import type { MessageParties, ScreenedMessage } from './message/model.js';

export type Severity = 'low' | 'medium' | 'high';

/** Where in the message a piece of evidence was found. */
export type EvidenceLocation =
  | 'envelope'
  | 'subject'
  | 'body'
  | `header:${string}`
  | `attachment:${string}`;

export interface Evidence {
  readonly location: EvidenceLocation;
  /** the exact excerpt, as it stands in the message */
  readonly text: string;
  /** offsets of `text` within the located field, when known */
  readonly start?: number;
  readonly end?: number;
  /** the excerpt is from a message the sender quoted or forwarded, not their own words */
  readonly forwarded?: boolean;
}

/** What a filter reports: data, never a decision. */
export interface Finding {
  /** the filter id, e.g. `blind-copy`, or `screening-error` */
  readonly filter: string;
  /** the rule inside the filter, a stable SCREAMING_SNAKE code */
  readonly rule: string;
  readonly severity: Severity;
  /** confidence 0..1 */
  readonly score: number;
  /** protocol paragraph the finding rests on, e.g. "10.1.1" */
  readonly protocolRef: string;
  readonly evidence: readonly Evidence[];
  /** one sentence a Monitoring Officer can read */
  readonly explanation: string;
}

/** What every filter receives besides the message. */
export interface FilterContext<Options extends object = Record<string, unknown>> {
  readonly config: Config;
  readonly directory: Directory;
  /** this filter's settings from the policy file, defaults filled in */
  readonly options: Readonly<FilterSettings & Options>;
  /** the screening clock: the relay's receipt time, or `screen --at` */
  readonly now: Date;
}

/** A rule a filter can emit, declared so the policy file can be checked against it. */
export interface RuleDeclaration {
  readonly code: string;
  readonly description: string;
  readonly severity: Severity;
}

/**
 * One screening filter. `screen` is pure: it reads the message and context and returns findings,
 * with no I/O and no SMTP decisions.
 */
export interface Filter<Options extends object = Record<string, unknown>> {
  readonly id: string;
  readonly title: string;
  readonly protocolRefs: readonly string[];
  readonly rules: readonly RuleDeclaration[];
  /**
   * extra keys this filter accepts under `filters.<id>` in the policy file, each with a default
   * and a `.describe()`; checked strictly at start-up
   */
  readonly optionsSchema?: ZodObject<ZodRawShape>;
  /**
   * Whether the filter can apply to a message at all, decided from the envelope and the header
   * section alone (parties, their roles, direction). When no enabled filter's scope admits a
   * message and no member is among its parties, its body is never parsed. It admits every message
   * `screen` could find something in that the header section can tell apart; a filter whose
   * findings can rest on the body alone (the obligation filter's signature) says in its scope
   * which of those it leaves out. `npm run eval` compares against screening without scopes.
   */
  scope(parties: MessageParties, context: FilterContext<Options>): boolean;
  screen(message: ScreenedMessage, context: FilterContext<Options>): readonly Finding[] | Promise<readonly Finding[]>;
  /**
   * Loads what screening needs (models, lexicons). Called once where messages are screened (the
   * screening worker), so importing a filter stays cheap for code that only reads its options
   * schema, and a broken deployment fails at start rather than on the first message.
   */
  prepare?(): void;
}

/** The pseudo-filter id under which screening failures are reported. */
export const SCREENING_ERROR = 'screening-error';

/** The pseudo-filter id under which text no filter could read is reported. */
export const SCREENING_INCOMPLETE = 'screening-incomplete';
/** rule of a screening-incomplete finding on correspondence of a member, which the policy acts on */
export const MEMBER_TEXT_NOT_READ = 'MEMBER_TEXT_NOT_READ';
/** rule of one on other mail: named in the header only */
export const TEXT_NOT_READ = 'TEXT_NOT_READ';

/** The finding for a message, or a filter, that could not be screened: the mail still flows. */
export function screeningError(rule: string, explanation: string, detail: string): Finding {
  return {
    filter: SCREENING_ERROR,
    rule,
    severity: 'low',
    score: 1,
    protocolRef: 'n/a',
    evidence: detail ? [{ location: 'envelope', text: detail.slice(0, 500) }] : [],
    explanation,
  };
}
