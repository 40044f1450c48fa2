import type { Config } from './config/schema.js';

export type Role =
  | 'member'
  | 'officer'
  | 'monitoring-officer'
  | 'enquiries-mailbox'
  | 'press-mailbox'
  | 'mailing-list'
  | 'media'
  | 'council'
  | 'external';

export interface DirectoryEntry {
  readonly roles: readonly Role[];
  readonly name?: string;
  readonly party?: string;
  readonly ward?: string;
  readonly executive?: boolean;
  readonly title?: string;
  readonly manager?: string;
}

/**
 * Who is who. Addresses compare case-insensitively, with plus-address tags removed
 * (`jo.bloggs+casework@council.gov.uk` is Jo Bloggs).
 */
export class Directory {
  private readonly entries = new Map<string, DirectoryEntry>();
  private readonly councilDomains: ReadonlySet<string>;
  private readonly mediaDomains: readonly string[];
  private readonly listMembers = new Map<string, readonly string[]>();
  private readonly exemptLists = new Set<string>();
  private readonly people: ReadonlyArray<{ name: string; address: string; roles: readonly Role[] }>;

  constructor(config: Config) {
    this.councilDomains = new Set(config.council.domains);
    this.mediaDomains = config.mediaDomains;
    const add = (address: string, entry: DirectoryEntry): void => {
      const key = normaliseAddress(address);
      const existing = this.entries.get(key);
      this.entries.set(key, existing ? { ...existing, ...entry, roles: union(existing.roles, entry.roles) } : entry);
    };
    const people: Array<{ name: string; address: string; roles: readonly Role[] }> = [];
    for (const member of config.members) {
      for (const address of member.emails) {
        add(address, { roles: ['member'], name: member.name, party: member.party, ward: member.ward, executive: member.executive });
      }
      people.push({ name: member.name, address: member.emails[0] ?? '', roles: ['member'] });
    }
    for (const officer of config.officers) {
      for (const address of officer.emails) {
        add(address, { roles: ['officer'], name: officer.name, title: officer.title, manager: officer.manager });
      }
      people.push({ name: officer.name, address: officer.emails[0] ?? '', roles: ['officer'] });
    }
    for (const address of config.monitoringOfficers) add(address, { roles: ['monitoring-officer', 'officer'] });
    for (const address of config.mailboxes.memberEnquiries) add(address, { roles: ['enquiries-mailbox'] });
    for (const address of config.mailboxes.press) add(address, { roles: ['press-mailbox'] });
    for (const list of config.mailboxes.lists) {
      add(list.address, { roles: ['mailing-list'] });
      this.listMembers.set(normaliseAddress(list.address), list.members.map(normaliseAddress));
      if (list.exempt) this.exemptLists.add(normaliseAddress(list.address));
    }
    this.people = people;
  }

  /** Every role of an address; an address nobody listed is `council` or `media` by domain, else `external`. */
  rolesOf(address: string): readonly Role[] {
    const key = normaliseAddress(address);
    const entry = this.entries.get(key);
    const domain = domainOf(key);
    const byDomain: Role[] = [];
    if (domain && this.isCouncilDomain(domain)) byDomain.push('council');
    else if (domain && this.isMediaDomain(domain)) byDomain.push('media');
    if (entry) return union(entry.roles, byDomain);
    return byDomain.length > 0 ? byDomain : ['external'];
  }

  lookup(address: string): DirectoryEntry | undefined {
    return this.entries.get(normaliseAddress(address));
  }

  has(address: string, role: Role): boolean {
    return this.rolesOf(address).includes(role);
  }

  /** Council addresses and people the council lists (members' personal addresses too). */
  isInternal(address: string): boolean {
    const roles = this.rolesOf(address);
    return !roles.includes('external') && !roles.includes('media');
  }

  isCouncilDomain(domain: string): boolean {
    const lower = domain.toLowerCase();
    for (const own of this.councilDomains) if (lower === own || lower.endsWith(`.${own}`)) return true;
    return false;
  }

  isMediaDomain(domain: string): boolean {
    const lower = domain.toLowerCase();
    return this.mediaDomains.some((media) => lower === media || lower.endsWith(`.${media}`));
  }

  /** The addresses a known list or alias expands to (empty for anything else). */
  expand(address: string): readonly string[] {
    return this.listMembers.get(normaliseAddress(address)) ?? [];
  }

  isExemptList(address: string): boolean {
    return this.exemptLists.has(normaliseAddress(address));
  }

  /** Members and officers with their names, for spotting a name in a signature. */
  listPeople(): ReadonlyArray<{ name: string; address: string; roles: readonly Role[] }> {
    return this.people;
  }
}

/** Lower case; the plus-address tag of the local part removed; surrounding <> and spaces dropped. */
export function normaliseAddress(address: string): string {
  const trimmed = address.trim().replace(/^<|>$/g, '').toLowerCase();
  const at = trimmed.lastIndexOf('@');
  if (at <= 0) return trimmed;
  const local = trimmed.slice(0, at);
  const domain = trimmed.slice(at + 1).replace(/\.$/, '');
  const plus = local.startsWith('"') ? -1 : local.indexOf('+');
  return `${plus > 0 ? local.slice(0, plus) : local}@${domain}`;
}

export function domainOf(address: string): string | undefined {
  const at = address.lastIndexOf('@');
  return at >= 0 ? address.slice(at + 1).toLowerCase() : undefined;
}

function union<T>(a: readonly T[], b: readonly T[]): readonly T[] {
  return [...new Set([...a, ...b])];
}
