import type { Config, FilterAction } from './config/schema.js';
import type { MessageParties, ScreenedMessage } from './message/model.js';
import { MEMBER_TEXT_NOT_READ, SCREENING_ERROR, SCREENING_INCOMPLETE, screeningError, TEXT_NOT_READ, type Finding } from './finding.js';

/**
 * What happens to a message: delivered (findings, if any, are named in the header), delivered
 * and put in front of the Monitoring Officer, held for the Monitoring Officer, refused, or
 * deferred (4xx) because a fail-closed filter could not screen it.
 */
export type Action = 'deliver' | 'flag' | 'hold' | 'reject' | 'defer';

export interface Decision {
  readonly action: Action;
  /** findings that counted (those under a filter's minScore are dropped) */
  readonly findings: readonly Finding[];
  /** the reply text for reject or defer */
  readonly reason?: string;
}

const RANK: Record<FilterAction, number> = { tag: 0, flag: 1, hold: 2, reject: 3 };
const ACTION_OF: Record<FilterAction, Action> = { tag: 'deliver', flag: 'flag', hold: 'hold', reject: 'reject' };

/**
 * The action one finding calls for. A filter may let the policy set an action per category of its
 * rules, as `filters.<id>.categories.<category>.action` with the category named after the rule
 * code in kebab case (rule PERSONAL_ATTACK: `categories.personal-attack.action`); where none is
 * set, the filter's action applies, as it always has.
 */
export function actionFor(finding: Finding, config: Config): FilterAction {
  if (finding.filter === SCREENING_INCOMPLETE) return finding.rule === MEMBER_TEXT_NOT_READ ? config.relay.screening.incomplete : 'tag';
  const settings = config.filters[finding.filter];
  if (!settings) return 'tag';
  const categories: unknown = (settings as { categories?: unknown }).categories;
  if (categories !== null && typeof categories === 'object') {
    const key = finding.rule.toLowerCase().replaceAll('_', '-');
    const category: unknown = Object.hasOwn(categories, key) ? (categories as Record<string, unknown>)[key] : undefined;
    const action: unknown = category !== null && typeof category === 'object' ? (category as { action?: unknown }).action : undefined;
    if (typeof action === 'string' && Object.hasOwn(RANK, action)) return action as FilterAction;
  }
  return settings.action;
}

/** Pure: the findings and the policy give the action. The strictest action wins. */
export function decide(findings: readonly Finding[], config: Config): Decision {
  const counted = findings.filter((finding) => {
    const settings = config.filters[finding.filter];
    return !settings || finding.score >= settings.minScore;
  });
  const failedClosed = counted.find((finding) => finding.filter === SCREENING_ERROR && finding.rule === 'FILTER_FAILED_CLOSED');
  if (failedClosed) {
    return { action: 'defer', findings: counted, reason: `4.7.0 Screening unavailable, try again later (${failedClosed.explanation})` };
  }
  let strictest: FilterAction = 'tag';
  let decisive: Finding | undefined;
  for (const finding of counted) {
    const action = actionFor(finding, config);
    if (RANK[action] > RANK[strictest] || (decisive === undefined && action === strictest && action !== 'tag')) {
      strictest = action;
      decisive = finding;
    }
  }
  const action = ACTION_OF[strictest];
  if (action === 'reject' && decisive) {
    return {
      action,
      findings: counted,
      reason: `5.7.1 Refused under the Member/Officer Protocol para ${decisive.protocolRef}: ${decisive.explanation}`,
    };
  }
  return { action, findings: counted };
}

/** The `X-Member-Officer-Screening` value, as the contract fixes it. */
export function screeningHeaderValue(
  decision: { readonly action: Action; readonly findings: ReadonlyArray<Pick<Finding, 'filter'>>; readonly scope?: 'in' | 'out' },
  reviewId?: string,
): string {
  const ids = [...new Set(decision.findings.map((finding) => finding.filter))];
  const parts = [`action=${decision.action}`, `findings=${ids.length > 0 ? ids.join(',') : 'none'}`];
  if (reviewId) parts.push(`review=${reviewId}`);
  if (decision.scope === 'out') parts.push('scope=out');
  return parts.join('; ');
}

/**
 * The finding for a message that could not be screened at all (it overran the screening budget,
 * its worker died, it could not be parsed): when any enabled filter must not let mail pass
 * unscreened (`failOpen: false`), the message is deferred, as that filter's own failure would be;
 * otherwise it goes on unscreened, marked.
 */
export function unscreenedFinding(config: Config, reason: string, what = 'the message could not be screened'): Finding {
  const closed = Object.entries(config.filters).filter(([, settings]) => settings.enabled && !settings.failOpen).map(([id]) => id);
  if (closed.length > 0) {
    return screeningError('FILTER_FAILED_CLOSED', `${what} (${reason}); the message was deferred, since ${closed.join(', ')} may not let mail pass unscreened`, reason);
  }
  return screeningError('SCREENING_FAILED', `${what} (${reason}); it was delivered unscreened`, reason);
}

/** A member's correspondence: a member sends it or is among its recipients (the envelope's). */
export function involvesMember(parties: MessageParties): boolean {
  return [...(parties.sender ? [parties.sender] : []), ...parties.from, ...parties.recipients].some((party) => party.roles.includes('member'));
}

/**
 * The finding for text no filter could read. On a member's correspondence (a member sends it or
 * is among its recipients) the policy's `relay.screening.incomplete` action applies; on other mail
 * it is named in the header, nothing more.
 */
export function incompleteFinding(message: ScreenedMessage): Finding | undefined {
  if (message.unread.length === 0) return undefined;
  const member = involvesMember(message);
  const skipped = message.unread.join('; ');
  return {
    filter: SCREENING_INCOMPLETE,
    rule: member ? MEMBER_TEXT_NOT_READ : TEXT_NOT_READ,
    severity: 'low',
    score: 1,
    protocolRef: 'n/a',
    evidence: [{ location: 'envelope', text: skipped.slice(0, 500) }],
    explanation: `Part of the message was not screened, because no filter could read it: ${skipped.slice(0, 300)}.`,
  };
}
