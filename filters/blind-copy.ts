import { z } from 'zod';
import { normaliseAddress, type Directory, type Role } from '../src/directory.js';
import type { Evidence, Filter, Finding, RuleDeclaration } from '../src/finding.js';
import type { MessageParties, Party, ScreenedMessage } from '../src/message/model.js';

/**
 * Silent copies: member correspondence delivered to someone who does not appear in To or Cc
 * (Member/Officer Protocol 10.1.1, 21.12.3: "a system of blind or silent copies should not be
 * employed"). The SMTP envelope says who actually receives the message; the headers say who the
 * correspondents can see. A Bcc: header left in the message counts too.
 */
const optionsSchema = z.object({
  scope: z
    .enum(['members', 'internal', 'off'])
    .default('members')
    .describe('whose silent copies are findings: members (default), anyone internal (members, officers, council mailboxes), or off'),
});
type BlindCopyOptions = z.infer<typeof optionsSchema>;

const RULES = {
  SILENT_COPY_TO_MEMBER: {
    code: 'SILENT_COPY_TO_MEMBER',
    description: 'member correspondence delivered to a member who is not in To or Cc',
    severity: 'high',
  },
  SILENT_COPY_TO_STAFF: {
    code: 'SILENT_COPY_TO_STAFF',
    description: 'member correspondence delivered to an officer or council mailbox that is not in To or Cc (scope: internal)',
    severity: 'medium',
  },
} as const satisfies Record<string, RuleDeclaration>;

/** role names as a Monitoring Officer would say them */
const ROLE_WORDS: Partial<Record<Role, string>> = {
  member: 'member',
  'monitoring-officer': 'Monitoring Officer',
  officer: 'officer',
  'enquiries-mailbox': 'member enquiries mailbox',
  'press-mailbox': 'press office mailbox',
  'mailing-list': 'mailing list',
  council: 'council address',
};

interface Hidden {
  readonly address: string;
  readonly roles: readonly Role[];
  readonly person?: string;
  readonly evidence: Evidence[];
  /** the unlisted list or alias it came through, if any */
  readonly via?: string;
}

export const blindCopy: Filter<BlindCopyOptions> = {
  id: 'blind-copy',
  title: 'Silent copies of member correspondence',
  protocolRefs: ['10.1.1', '21.12.3'],
  rules: Object.values(RULES),
  optionsSchema,
  scope(parties, context) {
    return correspondenceOf(parties, context.options.scope, context.directory) !== undefined;
  },
  screen(message, context) {
    const scope = context.options.scope;
    const correspondence = correspondenceOf(message, scope, context.directory);
    if (!correspondence) return [];
    const { directory } = context;
    const { sender, senderAddress, senderIsMember, visibleParties } = correspondence;

    const visible = new Set<string>();
    const visiblePeople = new Set<string>();
    const see = (address: string): void => {
      const key = normaliseAddress(address);
      visible.add(key);
      const name = directory.lookup(key)?.name;
      if (name) visiblePeople.add(name);
      // a list or alias in To/Cc shows everyone it reaches
      for (const member of directory.expand(key)) {
        visible.add(member);
        const memberName = directory.lookup(member)?.name;
        if (memberName) visiblePeople.add(memberName);
      }
    };
    for (const party of visibleParties) see(party.address);
    see(senderAddress);

    const hidden = hiddenRecipients(message, directory, visible, visiblePeople);
    const inScope = (entry: Hidden): 'member' | 'staff' | undefined => {
      if (entry.roles.includes('member')) return 'member';
      if (scope === 'internal' && directory.isInternal(entry.address)) return 'staff';
      return undefined;
    };
    const members = hidden.filter((entry) => inScope(entry) === 'member');
    const staff = hidden.filter((entry) => inScope(entry) === 'staff');
    const findings: Finding[] = [];
    const correspondents = describeCorrespondents(sender, visibleParties, directory);
    const leftover = (entries: readonly Hidden[]): string =>
      entries.some((entry) => entry.evidence.some((item) => item.location === 'header:bcc')) ? ' A Bcc: header naming them was left in the message.' : '';
    if (members.length > 0) {
      const senderIsOfficer = directory.has(senderAddress, 'officer');
      findings.push({
        filter: 'blind-copy',
        rule: RULES.SILENT_COPY_TO_MEMBER.code,
        // an officer copying a member's correspondence to another member is the case 10.1.1 names
        severity: senderIsOfficer || !senderIsMember ? 'high' : 'medium',
        score: senderIsOfficer || !senderIsMember ? 0.9 : 0.75,
        protocolRef: '10.1.1',
        evidence: evidenceOf(members, message),
        explanation:
          `${correspondents} was also sent to ${listHidden(members)}, who ${members.length === 1 ? 'does' : 'do'} not appear in To or Cc.${leftover(members)} ` +
          'Under the Member/Officer Protocol (10.1.1; 21.12.3) correspondence with a member is not copied to another member without the original member being told: no blind or silent copies.',
      });
    }
    if (staff.length > 0) {
      findings.push({
        filter: 'blind-copy',
        rule: RULES.SILENT_COPY_TO_STAFF.code,
        severity: 'medium',
        score: 0.6,
        protocolRef: '21.12.3',
        evidence: evidenceOf(staff, message),
        explanation:
          `${correspondents} was also sent to ${listHidden(staff)}, who ${staff.length === 1 ? 'does' : 'do'} not appear in To or Cc.${leftover(staff)} ` +
          'The policy treats silent copies to anyone internal as findings (the protocol, 21.12.3: "a system of blind carbon copies should not be used").',
      });
    }
    return findings;
  },
};

interface Correspondence {
  readonly sender: Party | undefined;
  readonly senderAddress: string;
  readonly senderIsMember: boolean;
  readonly visibleParties: readonly Party[];
}

/**
 * A member's correspondence sent from inside the council: a member writes, or a member is among
 * the visible correspondents. Undefined for anything else; the header section is enough to tell.
 */
function correspondenceOf(parties: MessageParties, scope: BlindCopyOptions['scope'], directory: Directory): Correspondence | undefined {
  if (scope === 'off' || parties.automated) return undefined;
  const sender = parties.from[0] ?? parties.sender;
  const senderAddress = sender?.address ?? (parties.envelope.mailFrom ? normaliseAddress(parties.envelope.mailFrom) : undefined);
  // the protocol binds members and officers; an outsider's own Bcc is not the council's to police
  if (!senderAddress || !directory.isInternal(senderAddress)) return undefined;
  const visibleParties = [...parties.to, ...parties.cc];
  const senderIsMember = directory.has(senderAddress, 'member');
  if (!senderIsMember && !visibleParties.some((party) => party.roles.includes('member'))) return undefined;
  return { sender, senderAddress, senderIsMember, visibleParties };
}

/**
 * Everyone the message reaches who is not visible: envelope recipients missing from To/Cc, and
 * names in a leftover Bcc: header. Lists and aliases are expanded; exempt ones are skipped; the
 * sender and anyone visible under another of their addresses are not hidden.
 */
function hiddenRecipients(message: ScreenedMessage, directory: Directory, visible: ReadonlySet<string>, visiblePeople: ReadonlySet<string>): Hidden[] {
  const found = new Map<string, Hidden>();
  const consider = (address: string, evidence: Evidence): void => {
    const key = normaliseAddress(address);
    if (visible.has(key) || directory.isExemptList(key)) return;
    const expanded = directory.expand(key);
    if (expanded.length > 0) {
      for (const member of expanded) add(member, evidence, key);
      return;
    }
    add(key, evidence);
  };
  const add = (key: string, evidence: Evidence, via?: string): void => {
    if (visible.has(key)) return;
    const known = found.get(key);
    if (known) {
      // the same person seen in the envelope and in a leftover Bcc: header: keep both proofs
      if (!known.evidence.some((seen) => seen.location === evidence.location)) known.evidence.push(evidence);
      return;
    }
    const entry = directory.lookup(key);
    if (entry?.name && visiblePeople.has(entry.name)) return;
    found.set(key, { address: key, roles: directory.rolesOf(key), ...(entry?.name ? { person: entry.name } : {}), evidence: [evidence], ...(via ? { via } : {}) });
  };
  for (const recipient of message.envelope.rcptTo) consider(recipient, { location: 'envelope', text: recipient });
  const bccHeader = message.headers.find((line) => line.key === 'bcc');
  for (const party of message.bcc) consider(party.address, bccHeader ? { location: 'header:bcc', text: bccHeader.value } : { location: 'envelope', text: party.original });
  return [...found.values()];
}

function evidenceOf(hidden: readonly Hidden[], message: ScreenedMessage): Evidence[] {
  const evidence: Evidence[] = [];
  for (const item of hidden.flatMap((entry) => entry.evidence)) {
    if (!evidence.some((seen) => seen.location === item.location && seen.text === item.text)) evidence.push(item);
  }
  // what the correspondents could see, for comparison
  for (const key of ['to', 'cc']) {
    const header = message.headers.find((line) => line.key === key);
    if (header) evidence.push({ location: `header:${key}`, text: header.value });
  }
  return evidence;
}

function describeParty(party: Party | undefined, directory: Directory): string {
  if (!party) return 'an unknown sender';
  const name = party.person ?? party.displayName ?? party.address;
  const role = roleWord(directory.rolesOf(party.address));
  return role ? `${name} (${role})` : name;
}

function describeCorrespondents(sender: Party | undefined, visible: readonly Party[], directory: Directory): string {
  const to = visible.slice(0, 3).map((party) => describeParty(party, directory));
  const more = visible.length > 3 ? ` and ${visible.length - 3} more` : '';
  return `Mail from ${describeParty(sender, directory)} to ${to.length > 0 ? to.join(', ') : 'undisclosed recipients'}${more}`;
}

function listHidden(hidden: readonly Hidden[]): string {
  return hidden
    .slice(0, 6)
    .map((entry) => {
      const role = roleWord(entry.roles);
      const who = entry.person ? `${entry.person} <${entry.address}>` : entry.address;
      return `${who}${role ? ` (${role})` : ''}${entry.via ? ` via ${entry.via}` : ''}`;
    })
    .join(', ')
    .concat(hidden.length > 6 ? ` and ${hidden.length - 6} more` : '');
}

function roleWord(roles: readonly Role[]): string | undefined {
  const order: Role[] = ['member', 'monitoring-officer', 'officer', 'enquiries-mailbox', 'press-mailbox', 'mailing-list', 'council'];
  const role = order.find((candidate) => roles.includes(candidate));
  return role ? ROLE_WORDS[role] : undefined;
}
