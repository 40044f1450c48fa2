import type { Severity } from '../../src/finding.js';

/**
 * The kinds of unacceptable language the abusive-language filter reports, after
 * ../shared/DOMAIN.md 3.3. Each has a stable rule code, a default severity, the protocol paragraph
 * it rests on and a default threshold. Repeated unwanted contact (a course of conduct across
 * messages) is not here: it needs state that a per-message filter does not have.
 */
export const CATEGORIES = [
  'threat',
  'employment-threat',
  'personal-attack',
  'discriminatory',
  'sexual-harassment',
  'harassment',
  'ridicule',
  'profanity-at-person',
  'profanity',
  'demeaning-address',
  'public-undermining',
  'impartiality-pressure',
  'discourtesy',
  'shouting',
] as const;

export type Category = (typeof CATEGORIES)[number];

export interface CategoryInfo {
  /** the finding's `rule` */
  readonly rule: string;
  /** what the category is, for the README and the policy documentation */
  readonly description: string;
  /** what was seen, for a finding's explanation: "a threat to someone's job" */
  readonly behaviour: string;
  readonly severity: Severity;
  readonly protocolRef: string;
  /** findings scoring below this are not reported */
  readonly threshold: number;
  /** off unless the policy file turns it on */
  readonly enabledByDefault: boolean;
}

export const CATEGORY_INFO: Readonly<Record<Category, CategoryInfo>> = {
  threat: {
    rule: 'THREAT',
    behaviour: 'a threat or intimidation',
    description: 'a threat or intimidation: harm, "you\'ll regret this", "I know where you live"',
    severity: 'high',
    protocolRef: '3.8',
    threshold: 0.5,
    enabledByDefault: true,
  },
  'employment-threat': {
    rule: 'EMPLOYMENT_THREAT',
    behaviour: "a threat to someone's job or career",
    description: 'a threat to someone\'s job or career: "I\'ll have your job", "you won\'t be here long"',
    severity: 'high',
    protocolRef: '3.8',
    threshold: 0.5,
    enabledByDefault: true,
  },
  'personal-attack': {
    rule: 'PERSONAL_ATTACK',
    behaviour: 'a personal attack',
    description: 'an insult or disparaging personal remark aimed at a person: "incompetent", "useless", "idiot"',
    severity: 'high',
    protocolRef: '21.9.3',
    threshold: 0.5,
    enabledByDefault: true,
  },
  discriminatory: {
    rule: 'DISCRIMINATORY',
    behaviour: 'a discriminatory remark',
    description: 'a slur, or a remark or stereotype about a protected characteristic (Equality Act 2010)',
    severity: 'high',
    protocolRef: '3.8',
    threshold: 0.5,
    enabledByDefault: true,
  },
  'sexual-harassment': {
    rule: 'SEXUAL_HARASSMENT',
    behaviour: 'sexual harassment',
    description: 'comments on appearance or body, propositions, questions about sex life or orientation',
    severity: 'high',
    protocolRef: '3.8',
    threshold: 0.5,
    enabledByDefault: true,
  },
  harassment: {
    rule: 'HARASSMENT',
    description: 'unwanted contact that intrudes: at home, at night, on leave or off sick, after being asked to stop; watching someone or digging into their private life',
    behaviour: 'harassment',
    severity: 'high',
    protocolRef: '21.9.3',
    threshold: 0.5,
    enabledByDefault: true,
  },
  ridicule: {
    rule: 'RIDICULE',
    description: 'ridicule and humiliation: inviting others to laugh at someone, comparing their work to a child\'s, sarcasm about their competence, suggesting they need their hand held',
    behaviour: 'ridicule or humiliation',
    severity: 'medium',
    protocolRef: '21.9.3',
    threshold: 0.5,
    enabledByDefault: true,
  },
  'profanity-at-person': {
    rule: 'PROFANITY_AT_PERSON',
    behaviour: 'swearing at a person',
    description: 'swearing aimed at a person: "f*** off", "you b*****d"',
    severity: 'high',
    protocolRef: '10.2.1',
    threshold: 0.5,
    enabledByDefault: true,
  },
  profanity: {
    rule: 'PROFANITY',
    behaviour: 'swearing',
    description: 'swearing not aimed at anyone; strong words score above the default threshold, mild ones ("damn", "bloody") below it. Off by default: swearing at no one is not bullying',
    severity: 'medium',
    protocolRef: '10.2.1',
    threshold: 0.5,
    enabledByDefault: false,
  },
  'demeaning-address': {
    rule: 'DEMEANING_ADDRESS',
    behaviour: 'a demeaning form of address',
    description: 'a demeaning form of address: "love", "sweetheart", "young lady", "calm down dear"',
    severity: 'medium',
    protocolRef: '3.8',
    threshold: 0.5,
    enabledByDefault: true,
  },
  'public-undermining': {
    rule: 'PUBLIC_UNDERMINING',
    behaviour: 'public undermining',
    description: 'criticising a named officer or member before all members or the press, or threatening to',
    severity: 'high',
    protocolRef: '21.9.3',
    threshold: 0.5,
    enabledByDefault: true,
  },
  'impartiality-pressure': {
    rule: 'IMPARTIALITY_PRESSURE',
    behaviour: 'pressure to change professional advice',
    description: 'pressing an officer to change professional advice: "change your recommendation"',
    severity: 'high',
    protocolRef: '21.9.3',
    threshold: 0.5,
    enabledByDefault: true,
  },
  discourtesy: {
    rule: 'DISCOURTESY',
    behaviour: 'a contemptuous remark',
    description: 'contempt for someone\'s work, an idea or a situation: "this is stupid", "what a ridiculous decision", "utter nonsense"',
    severity: 'low',
    protocolRef: '21.9.1',
    threshold: 0.5,
    enabledByDefault: false,
  },
  shouting: {
    rule: 'SHOUTING',
    behaviour: 'shouting',
    description: 'shouting at the reader: a sentence in capitals, or "!!!", addressed to them',
    severity: 'low',
    protocolRef: '3.8',
    threshold: 0.5,
    enabledByDefault: false,
  },
};

export const RULE_TO_CATEGORY: ReadonlyMap<string, Category> = new Map(CATEGORIES.map((category) => [CATEGORY_INFO[category].rule, category]));
