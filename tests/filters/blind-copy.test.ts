import { beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../src/config/schema.js';
import type { Finding } from '../../src/finding.js';
import { configWith, exampleConfig } from '../helpers/config.js';
import { evidenceProblems, findingsOf, loadFixture, screenFixture } from './protocol-fixtures.js';
import { itExpectsEveryFixture } from './fixture-coverage.js';

const FOLDER = 'blind-copy';

interface Expected {
  /** the hidden people the explanation must name, with their role */
  readonly hidden: readonly string[];
  /** an excerpt that must be among the evidence, as written in the message */
  readonly evidence: { readonly location: string; readonly text: string };
  readonly severity: 'high' | 'medium';
}

const FLAGS: Record<string, Expected> = {
  'flags-officer-copies-member-reply-to-ward-colleague.eml': {
    hidden: ['Cllr Susan Okafor <cllr.okafor@greyfordvale.gov.uk> (member)'],
    evidence: { location: 'envelope', text: 'cllr.okafor@greyfordvale.gov.uk' },
    severity: 'high',
  },
  'flags-officer-bcc-header-left-in.eml': {
    hidden: ['Cllr Gareth Pryce <cllr.pryce@greyfordvale.gov.uk> (member)'],
    evidence: { location: 'header:bcc', text: 'Cllr Gareth Pryce <cllr.pryce@greyfordvale.gov.uk>' },
    severity: 'high',
  },
  'flags-member-bccs-another-member.eml': {
    hidden: ['Cllr Tom Hadley <cllr.hadley@greyfordvale.gov.uk> (member)'],
    evidence: { location: 'envelope', text: 'cllr.hadley@greyfordvale.gov.uk' },
    // a member copying their own mail is less serious than an officer doing it (10.1.1)
    severity: 'medium',
  },
  'flags-silent-copy-to-members-personal-address.eml': {
    hidden: ['Cllr Gareth Pryce <gareth.pryce@example.org> (member)'],
    evidence: { location: 'envelope', text: 'gareth.pryce@example.org' },
    severity: 'high',
  },
  'flags-hidden-all-councillors-list.eml': {
    hidden: [
      'Cllr Priya Amber <cllr.amber@greyfordvale.gov.uk> (member) via all.councillors@greyfordvale.gov.uk',
      'Cllr Tom Hadley <cllr.hadley@greyfordvale.gov.uk> (member) via all.councillors@greyfordvale.gov.uk',
      'Cllr Gareth Pryce <cllr.pryce@greyfordvale.gov.uk> (member) via all.councillors@greyfordvale.gov.uk',
    ],
    evidence: { location: 'envelope', text: 'all.councillors@greyfordvale.gov.uk' },
    severity: 'high',
  },
  'flags-bcc-header-only-no-envelope.eml': {
    hidden: ['Cllr Tom Hadley <cllr.hadley@greyfordvale.gov.uk> (member)'],
    evidence: { location: 'header:bcc', text: '"Hadley, Tom (Cllr)" <cllr.hadley@greyfordvale.gov.uk>' },
    severity: 'high',
  },
  'flags-cc-visible-bcc-third-member.eml': {
    hidden: ['Cllr Priya Amber <cllr.amber@greyfordvale.gov.uk> (member)'],
    evidence: { location: 'envelope', text: 'cllr.amber@greyfordvale.gov.uk' },
    severity: 'high',
  },
  'flags-plus-addressed-hidden-member.eml': {
    hidden: ['Cllr Gareth Pryce <cllr.pryce@greyfordvale.gov.uk> (member)'],
    evidence: { location: 'envelope', text: 'Cllr.Pryce+casework@GreyfordVale.gov.uk' },
    severity: 'high',
  },
  'flags-enquiries-mailbox-hides-member.eml': {
    hidden: ['Cllr Tom Hadley <cllr.hadley@greyfordvale.gov.uk> (member)'],
    evidence: { location: 'envelope', text: 'cllr.hadley@greyfordvale.gov.uk' },
    severity: 'high',
  },
  'flags-monitoring-officer-copies-leader.eml': {
    hidden: ['Cllr Priya Amber <cllr.amber@greyfordvale.gov.uk> (member)'],
    evidence: { location: 'envelope', text: 'cllr.amber@greyfordvale.gov.uk' },
    severity: 'high',
  },
};

const PASSES = [
  'passes-all-recipients-visible.eml',
  'passes-exempt-casework-tracker.eml',
  'passes-external-sender-bccs-member.eml',
  'passes-hidden-officer-default-scope.eml',
  'passes-member-bulk-newsletter-to-residents.eml',
  'passes-member-copies-own-personal-address.eml',
  'passes-member-to-member-cc-visible.eml',
  'passes-officer-to-officer-not-member-correspondence.eml',
  'passes-public-newsletter-bcc-residents.eml',
  'passes-visible-list-expanded-envelope.eml',
];

function withScope(scope: 'members' | 'internal' | 'off'): Config {
  return configWith({ filters: { 'blind-copy': { scope } } });
}

describe('blind-copy filter on its fixtures', () => {
  let config: Config;
  beforeAll(() => {
    config = exampleConfig();
  });

  itExpectsEveryFixture(FOLDER, Object.keys(FLAGS), PASSES);

  it.each(Object.entries(FLAGS))('flags %s, naming the hidden recipients and their roles', async (file, expected) => {
    const result = await screenFixture(await loadFixture(FOLDER, file), config);
    const findings = findingsOf(result, 'blind-copy');
    expect(findings.map((finding) => finding.rule)).toEqual(['SILENT_COPY_TO_MEMBER']);
    const [finding] = findings;
    expect(finding?.protocolRef).toBe('10.1.1');
    expect(finding?.severity).toBe(expected.severity);
    expect(finding?.evidence).toContainEqual(expected.evidence);
    for (const hidden of expected.hidden) expect(finding?.explanation).toContain(hidden);
    expect(finding?.explanation).toMatch(/does not appear in To or Cc|do not appear in To or Cc/);
    expect(evidenceProblems(result, finding as Finding)).toEqual([]);
    expect(result.action).toBe('flag');
  });

  it.each(PASSES)('passes %s', async (file) => {
    const result = await screenFixture(await loadFixture(FOLDER, file), config);
    expect(findingsOf(result, 'blind-copy')).toEqual([]);
  });

  it('never names a visible correspondent as hidden', async () => {
    const result = await screenFixture(await loadFixture(FOLDER, 'flags-cc-visible-bcc-third-member.eml'), config);
    const explanation = findingsOf(result, 'blind-copy')[0]?.explanation ?? '';
    const hiddenPart = explanation.slice(explanation.indexOf('was also sent to'));
    expect(hiddenPart).not.toContain('cllr.okafor@');
    expect(hiddenPart).not.toContain('cllr.hadley@');
  });
});

describe('blind-copy scope option', () => {
  it('with scope internal, flags an officer copied silently on member correspondence', async () => {
    const result = await screenFixture(await loadFixture(FOLDER, 'passes-hidden-officer-default-scope.eml'), withScope('internal'));
    const findings = findingsOf(result, 'blind-copy');
    expect(findings.map((finding) => finding.rule)).toEqual(['SILENT_COPY_TO_STAFF']);
    expect(findings[0]?.protocolRef).toBe('21.12.3');
    expect(findings[0]?.explanation).toContain('David Osei <david.osei@greyfordvale.gov.uk> (officer)');
    expect(findings[0]?.evidence).toContainEqual({ location: 'envelope', text: 'david.osei@greyfordvale.gov.uk' });
  });

  it('with scope internal, still ignores external Bcc recipients of public bulk mail and exempt lists', async () => {
    const config = withScope('internal');
    for (const file of ['passes-member-bulk-newsletter-to-residents.eml', 'passes-public-newsletter-bcc-residents.eml', 'passes-exempt-casework-tracker.eml']) {
      const result = await screenFixture(await loadFixture(FOLDER, file), config);
      expect(findingsOf(result, 'blind-copy'), file).toEqual([]);
    }
  });

  it('with scope off, reports nothing even for a silent copy to a member', async () => {
    const result = await screenFixture(await loadFixture(FOLDER, 'flags-officer-copies-member-reply-to-ward-colleague.eml'), withScope('off'));
    expect(findingsOf(result, 'blind-copy')).toEqual([]);
  });

  it('treats a list the policy does not mark exempt as the people it reaches, and an exempt one as no one', async () => {
    const exempted = configWith({
      mailboxes: {
        memberEnquiries: ['member.enquiries@greyfordvale.gov.uk'],
        press: ['press@greyfordvale.gov.uk'],
        lists: [{ address: 'all.councillors@greyfordvale.gov.uk', members: ['cllr.amber@greyfordvale.gov.uk'], exempt: true }],
      },
    });
    const result = await screenFixture(await loadFixture(FOLDER, 'flags-hidden-all-councillors-list.eml'), exempted);
    expect(findingsOf(result, 'blind-copy')).toEqual([]);
  });
});
