import type { Config, FilterAction } from './config/schema.js';
import { SCREENING_ERROR, type Finding } from './finding.js';

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

/** Pure: the findings and the policy give the action. The strictest filter action wins. */
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
    const action = config.filters[finding.filter]?.action ?? 'tag';
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
export function screeningHeaderValue(decision: Pick<Decision, 'action' | 'findings'>, reviewId?: string): string {
  const ids = [...new Set(decision.findings.map((finding) => finding.filter))];
  const parts = [`action=${decision.action}`, `findings=${ids.length > 0 ? ids.join(',') : 'none'}`];
  if (reviewId) parts.push(`review=${reviewId}`);
  return parts.join('; ');
}
