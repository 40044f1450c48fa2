import type { Config } from './config/schema.js';
import type { Directory } from './directory.js';
import { screeningError, type Filter, type FilterContext, type Finding } from './finding.js';
import type { MessageParties, ScreenedMessage } from './message/model.js';
import { parseInScope, STRUCTURE_PROBLEM, type Envelope } from './message/parse.js';
import type { RawMessage } from './message/raw.js';
import { decide, incompleteFinding, involvesMember, unscreenedFinding, type Decision } from './policy.js';
import { concernsEnquiries, detectEnquiry, type EnquiryOpening } from './sla/enquiries.js';
import { errorMessage } from './errors.js';

export interface ScreeningInput {
  readonly raw: RawMessage;
  readonly envelope: Envelope;
  /** receipt time; filters and deadlines use it as "now" */
  readonly receivedAt: Date;
}

export interface ScreeningEnvironment {
  readonly config: Config;
  readonly directory: Directory;
  readonly filters: readonly Filter[];
}

/** Everything screening concludes about one message. Plain data: it crosses a worker boundary. */
export interface ScreeningResult extends Decision {
  /** `out`: no enabled filter's scope and no enquiry rule applied, so only the header section was read */
  readonly scope: 'in' | 'out';
  readonly message: ScreenedMessage;
  readonly enquiry: EnquiryOpening | null;
}

/**
 * parse → filters → policy → enquiry. The same code serves the relay and `screen`: a pure
 * function of message, directory, policy and clock. A filter that throws or overruns its budget
 * becomes a `screening-error` finding and the rest carries on.
 */
export async function screen(input: ScreeningInput, environment: ScreeningEnvironment): Promise<ScreeningResult> {
  const { config, directory } = environment;
  const contextOf = (filter: Filter): FilterContext | undefined => {
    const settings = config.filters[filter.id];
    return settings?.enabled ? { config, directory, options: settings, now: input.receivedAt } : undefined;
  };
  // most of a council's mail is outside the protocol: decided on the header section, its body is
  // never parsed. A member's correspondence is always read whole, so that text no filter could
  // read in it is named (relay.screening.incomplete). Each filter's scope is asked once, here.
  const scopeCheck = config.relay.screening.scopeCheck;
  let admitted: ReadonlySet<Filter> | undefined;
  const concerned = (parties: MessageParties): boolean => {
    if (!scopeCheck) return true;
    admitted = new Set(environment.filters.filter((filter) => inScope(filter, parties, contextOf(filter))));
    return admitted.size > 0 || involvesMember(parties) || concernsEnquiries(parties);
  };
  const parsed = await parseInScope(input.raw, input.envelope, directory, { maxParseBytes: config.relay.screening.maxParseBytes, maxMimeParts: config.relay.maxMimeParts }, concerned);
  if (parsed.scope === 'out') return { ...decide([], config), scope: 'out', message: withoutBody(parsed.parties), enquiry: null };
  const message = parsed.message;
  const structural = message.problems.find((problem) => problem.startsWith(STRUCTURE_PROBLEM));
  if (structural) {
    // what the parser could not take apart was not screened, and unscreened mail is not passed on
    const finding = screeningError('STRUCTURE_LIMIT', 'The message is built in a way the gateway does not screen (too many parts, or nested too deep).', structural);
    return { action: 'reject', findings: [finding], reason: `5.6.0 Message structure beyond what this gateway screens (${structural.slice(STRUCTURE_PROBLEM.length + 2, 200)})`, scope: 'in', message, enquiry: null };
  }
  const findings: Finding[] = [];
  const parseFailed = message.problems.some((problem) => problem.startsWith('MIME parse failed'));
  if (parseFailed) {
    // a message the parser failed on after its header section has no parties: its scopes are asked again
    admitted = undefined;
    const unscreened = unscreenedFinding(config, message.problems[0] ?? 'MIME parse failed', 'the message could not be parsed as MIME');
    findings.push(unscreened.rule === 'SCREENING_FAILED' ? { ...unscreened, rule: 'PARSE_FAILED' } : unscreened);
  }
  for (const filter of environment.filters) {
    const context = contextOf(filter);
    // with the scope check off every enabled filter reads every message: the reference the check is
    // measured against. A header section the parser never reported leaves the scopes to ask now
    const applies = !scopeCheck || (admitted ? admitted.has(filter) : inScope(filter, message, context));
    if (context && applies) findings.push(...(await runFilter(filter, message, context)));
  }
  const incomplete = incompleteFinding(message);
  if (incomplete) findings.push(incomplete);
  const decision = decide(findings, config);
  const enquiry = decision.action === 'reject' || decision.action === 'defer' ? null : detectEnquiry(message, config, directory, input.receivedAt);
  return { ...decision, scope: 'in', message, enquiry };
}

/**
 * Whether an enabled filter's scope admits the message. A scope that throws admits it: the
 * filter's own run then reports what went wrong.
 */
function inScope(filter: Filter, parties: MessageParties, context: FilterContext | undefined): boolean {
  if (!context) return false;
  try {
    return filter.scope(parties, context);
  } catch {
    return true;
  }
}

/** A message screened on its header section alone: no text and no attachments were read. */
function withoutBody(parties: MessageParties): ScreenedMessage {
  return {
    ...parties,
    text: { body: '', newText: '', newSpans: [], quoted: [], fromHtml: false, truncated: false },
    attachments: [],
    problems: [],
    unread: [],
  };
}

/** Loads what each enabled filter needs (models, lexicons) before the first message. */
export function prepareFilters(config: Config, filters: readonly Filter[]): void {
  for (const filter of filters) if (config.filters[filter.id]?.enabled) filter.prepare?.();
}

async function runFilter(filter: Filter, message: ScreenedMessage, context: FilterContext): Promise<readonly Finding[]> {
  const budget = context.options.timeoutMs;
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const outcome = await Promise.race([
      Promise.resolve().then(() => filter.screen(message, context)),
      new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), budget);
      }),
    ]);
    const elapsed = performance.now() - started;
    // a synchronous filter cannot be interrupted, but one that overran is not trusted either
    if (outcome === 'timeout' || elapsed > budget) {
      return [failure(filter, context, `took longer than its ${budget} ms budget`)];
    }
    return outcome.map((finding) => ({ ...finding, filter: filter.id }));
  } catch (error) {
    return [failure(filter, context, `failed: ${errorMessage(error)}`)];
  } finally {
    clearTimeout(timer);
  }
}

function failure(filter: Filter, context: FilterContext, what: string): Finding {
  const closed = !context.options.failOpen;
  return screeningError(
    closed ? 'FILTER_FAILED_CLOSED' : 'FILTER_FAILED',
    `filter ${filter.id} ${what}; ${closed ? 'the message was deferred' : 'the message went on unscreened by it'}`,
    filter.id,
  );
}

