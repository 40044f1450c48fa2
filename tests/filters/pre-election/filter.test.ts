import { beforeAll, describe, expect, it } from 'vitest';
import type { Config, ConfigInput } from '../../../src/config/schema.js';
import { Directory } from '../../../src/directory.js';
import type { Finding } from '../../../src/finding.js';
import { screen } from '../../../src/pipeline.js';
import { filters } from '../../../filters/index.js';
import { findCampaigning } from '../../../filters/pre-election/campaigning.js';
import { activePeriod, isDiesNon, latestNoticeOfElection, preElectionPeriods } from '../../../filters/pre-election/electoral-timetable.js';
import { politicalNames } from '../../../filters/shared/political-names.js';
import { tokenise } from '../../../filters/shared/tokens.js';
import { configWith, exampleConfig } from '../../helpers/config.js';
import { evidenceProblems, findingsOf, loadFixture, screenFixture } from '../protocol-fixtures.js';
import { itExpectsEveryFixture } from '../fixture-coverage.js';

const FOLDER = 'pre-election';

interface Expected {
  readonly rule: string;
  readonly protocolRef: string;
  /** the exact excerpt that must be among the evidence */
  readonly excerpt: string;
  readonly location?: string;
  /** words the explanation must contain */
  readonly says: string;
}

const FLAGS: Record<string, Expected> = {
  'flags-press-release-quotes-cabinet-member.eml': {
    rule: 'PERIOD_MEMBER_QUOTED',
    protocolRef: '12.3',
    excerpt: 'Cllr Priya Amber, Cabinet Member for Environment, said: "This is great news for Millbrook and\nshows what we have delivered for residents over the last four years."',
    says: 'quotes Cllr Priya Amber (member, Vale Independents)',
  },
  'flags-initiative-launched-in-members-name.eml': {
    rule: 'PERIOD_INITIATIVE_IN_MEMBER_NAME',
    protocolRef: '12.4',
    excerpt: 'Cllr Tom Hadley launches a new community litter-picking scheme for Castle ward on Saturday, with\nfree equipment from the Council for every volunteer group that signs up.',
    says: 'announces an initiative in the name of Cllr Tom Hadley',
  },
  'flags-bulk-newsletter-names-party.eml': {
    rule: 'PERIOD_PARTY_NAMED',
    protocolRef: '12.3',
    excerpt: 'The budget set in February, proposed by the\nGreyford Conservatives group, freezes the district\'s share of the bill.',
    says: 'mail to 25 external recipients',
  },
  'flags-press-release-names-candidate.eml': {
    rule: 'PERIOD_MEMBER_NAMED',
    protocolRef: '12.3',
    excerpt: 'Joanna Wells, who chairs\nthe Riverside Growers group, will be at the gate from 10am to welcome visitors.',
    says: 'names Joanna Wells (candidate, Green Party)',
  },
  'flags-draft-release-with-member-quote.eml': {
    rule: 'PERIOD_MEMBER_QUOTED',
    protocolRef: '12.3',
    excerpt: 'Councillor Susan Okafor said: "I promised Riverside residents I would get this wall built, and I\nhave kept that promise."',
    says: 'a press release',
  },
  'flags-member-asks-press-office-to-issue-release.eml': {
    rule: 'PERIOD_MEMBER_QUOTED',
    protocolRef: '12.3',
    excerpt: "Cllr Tom Hadley said: 'I fought for this\nrefurbishment and I am proud to see the library open again.'\"",
    says: "a member's request to the press office",
  },
  'flags-pdf-press-release-quotes-leader.eml': {
    rule: 'PERIOD_MEMBER_QUOTED',
    protocolRef: '12.3',
    excerpt: 'The Leader of the Council said: "Our plan will bring new jobs and homes to the town centre."',
    location: 'attachment:Press release - town centre plan.pdf',
    says: 'quotes the Leader of the Council',
  },
  'flags-photo-of-member-attached.eml': {
    rule: 'PERIOD_MEMBER_NAMED',
    protocolRef: '12.3',
    excerpt: 'cllr-hadley-castle-library-reopening.jpg',
    location: 'attachment:cllr-hadley-castle-library-reopening.jpg',
    says: 'pictures Cllr Tom Hadley',
  },
  'flags-officer-urges-vote-for-party.eml': {
    rule: 'CAMPAIGNING_BY_OFFICER',
    protocolRef: '12.7',
    excerpt: 'And a reminder from me: if you live in the district, vote for Greyford Labour on 6 May.',
    says: 'asks for votes for Greyford Labour',
  },
  'flags-member-council-address-campaign-to-residents.eml': {
    rule: 'CAMPAIGNING_FROM_COUNCIL_ADDRESS',
    protocolRef: '21.12.1',
    excerpt: 'On 6 May, please re-elect Cllr Susan\nOkafor and vote Greyford Conservatives to keep Riverside moving forward.',
    says: 'from a Council address to the public',
  },
  'flags-member-sends-campaign-release-to-press-office.eml': {
    rule: 'CAMPAIGNING_VIA_PRESS_OFFICE',
    protocolRef: '9.1',
    excerpt: 'Promoted by A. Jones on behalf of Greyford Liberal Democrats, 4 Abbey Road, Greyford.',
    says: 'promotes Greyford Liberal Democrats',
  },
  'flags-press-office-promotes-party.eml': {
    rule: 'CAMPAIGNING_IN_COUNCIL_PUBLICITY',
    protocolRef: '11.1',
    excerpt: 'The Greyford Conservatives have delivered a fourth year without a rise, protecting family budgets\nacross the district.',
    says: 'promotes Greyford Conservatives',
  },
};

const PASSES = [
  'passes-after-close-of-poll.eml',
  'passes-committee-agenda-in-period.eml',
  'passes-journalist-asks-press-office.eml',
  'passes-labour-costs-not-a-party.eml',
  'passes-member-casework-in-period.eml',
  'passes-member-personal-address-own-campaign.eml',
  'passes-officer-briefing-on-budget-amendment.eml',
  'passes-officer-quoted-in-period.eml',
  'passes-same-release-outside-period.eml',
  'passes-statement-of-persons-nominated.eml',
  'passes-vote-for-favourite-park.eml',
];

function preElectionSettings(settings: Record<string, unknown>, overrides: Partial<ConfigInput> = {}): Config {
  return configWith({ ...overrides, filters: { 'pre-election': settings } });
}

async function screenAt(file: string, at: string, config: Config): Promise<Finding[]> {
  const fixture = await loadFixture(FOLDER, file);
  const result = await screen({ raw: fixture.raw, envelope: fixture.envelope, receivedAt: new Date(at) }, { config, directory: new Directory(config), filters });
  return findingsOf(result, 'pre-election');
}

/** A press release from the press office to a newspaper, with one sentence of body. */
async function pressRelease(sentence: string, config: Config, at = '2027-04-14T09:00:00Z'): Promise<Finding[]> {
  const raw = Buffer.from(
    [
      'From: Greyford Vale Council Press Office <press@greyfordvale.gov.uk>',
      'To: Newsdesk <newsdesk@greyfordgazette.co.uk>',
      'Subject: Press release',
      'Date: Wed, 14 Apr 2027 10:00:00 +0100',
      'Message-ID: <inline-release@greyfordvale.gov.uk>',
      'Content-Type: text/plain; charset=utf-8',
      '',
      'PRESS RELEASE',
      '',
      sentence,
      '',
    ].join('\r\n'),
  );
  const result = await screen(
    { raw, envelope: { mailFrom: 'press@greyfordvale.gov.uk', rcptTo: ['newsdesk@greyfordgazette.co.uk'] }, receivedAt: new Date(at) },
    { config, directory: new Directory(config), filters },
  );
  return findingsOf(result, 'pre-election');
}

describe('pre-election filter on its fixtures', () => {
  let config: Config;
  beforeAll(() => {
    config = exampleConfig();
  });

  itExpectsEveryFixture(FOLDER, Object.keys(FLAGS), PASSES);

  it.each(Object.entries(FLAGS))('flags %s with the excerpt and the paragraph', async (file, expected) => {
    const result = await screenFixture(await loadFixture(FOLDER, file), config);
    const findings = findingsOf(result, 'pre-election');
    expect(findings.map((finding) => finding.rule)).toEqual([expected.rule]);
    const [finding] = findings;
    expect(finding?.protocolRef).toBe(expected.protocolRef);
    expect(finding?.evidence).toContainEqual(expect.objectContaining({ location: expected.location ?? 'body', text: expected.excerpt }));
    expect(finding?.explanation).toContain(expected.says);
    expect(evidenceProblems(result, finding as Finding)).toEqual([]);
    expect(result.action).toBe('flag');
  });

  it.each(PASSES)('passes %s', async (file) => {
    const result = await screenFixture(await loadFixture(FOLDER, file), config);
    expect(findingsOf(result, 'pre-election')).toEqual([]);
  });

  it('states the period it relied on, and where its start came from', async () => {
    const result = await screenFixture(await loadFixture(FOLDER, 'flags-press-release-quotes-cabinet-member.eml'), config);
    expect(findingsOf(result, 'pre-election')[0]?.explanation).toContain('District elections 2027 (from 2027-03-26 to the close of poll on 2027-05-06)');
  });
});

describe('pre-election period', () => {
  it('computes the latest notice of election as the 25th working day before the poll (published dates)', () => {
    // England and Wales, checked against the dates councils published
    expect(latestNoticeOfElection('2023-05-04', 'ENG')).toBe('2023-03-27');
    expect(latestNoticeOfElection('2024-05-02', 'ENG')).toBe('2024-03-26');
    expect(latestNoticeOfElection('2025-05-01', 'ENG')).toBe('2025-03-25');
    expect(latestNoticeOfElection('2026-05-07', 'ENG')).toBe('2026-03-30');
    expect(latestNoticeOfElection('2027-05-06', 'ENG')).toBe('2027-03-31');
  });

  it('counts weekends, Christmas Eve and Day, Good Friday and the nation\'s bank holidays as dies non', () => {
    expect(isDiesNon('2026-04-03', 'ENG')).toBe(true); // Good Friday
    expect(isDiesNon('2026-04-06', 'ENG')).toBe(true); // Easter Monday, England
    expect(isDiesNon('2026-04-06', 'SCT')).toBe(false); // not a Scottish bank holiday
    expect(isDiesNon('2026-08-03', 'SCT')).toBe(true); // Scottish summer holiday
    expect(isDiesNon('2026-08-03', 'ENG')).toBe(false);
    expect(isDiesNon('2026-12-24', 'ENG')).toBe(true);
    expect(isDiesNon('2026-04-07', 'ENG')).toBe(false);
    expect(isDiesNon('2026-04-07', 'ENG', ['2026-04-07'])).toBe(true); // a proclaimed day from the policy
  });

  it('uses the computed date when the policy gives no periodStart, in the council\'s time zone', async () => {
    const config = configWith({ elections: [{ name: 'District elections 2027', pollingDay: '2027-05-06' }] });
    const [period] = preElectionPeriods(config);
    expect(period?.startDate).toBe('2027-03-31');
    expect(period?.startSource).toBe('computed');
    // midnight BST at the start; 22:00 BST at the end
    expect(period?.start.toISOString()).toBe('2027-03-30T23:00:00.000Z');
    expect(period?.end.toISOString()).toBe('2027-05-06T21:00:00.000Z');
    const file = 'flags-press-release-quotes-cabinet-member.eml';
    expect(await screenAt(file, '2027-03-30T12:00:00Z', config)).toEqual([]);
    expect((await screenAt(file, '2027-03-31T09:00:00Z', config)).map((finding) => finding.rule)).toEqual(['PERIOD_MEMBER_QUOTED']);
  });

  it('ends at 22:00 on polling day, or at the end of the day after with periodEnd day-after-poll', async () => {
    const config = exampleConfig();
    const file = 'flags-press-release-quotes-cabinet-member.eml';
    expect(activePeriod(config, new Date('2027-05-06T20:59:00Z'))?.election).toBe('District elections 2027');
    expect(activePeriod(config, new Date('2027-05-06T21:00:00Z'))).toBeUndefined();
    expect(await screenAt(file, '2027-05-06T20:59:00Z', config)).toHaveLength(1);
    expect(await screenAt(file, '2027-05-06T21:30:00Z', config)).toEqual([]);
    const extended = preElectionSettings({ periodEnd: 'day-after-poll' });
    expect(await screenAt(file, '2027-05-06T21:30:00Z', extended)).toHaveLength(1);
    expect(await screenAt(file, '2027-05-08T00:00:00Z', extended)).toEqual([]);
  });
});

describe('pre-election options and hard cases', () => {
  it('treats a list as publicity only from largeListThreshold external recipients', async () => {
    const result = await screenFixture(await loadFixture(FOLDER, 'flags-bulk-newsletter-names-party.eml'), preElectionSettings({ largeListThreshold: 30 }));
    expect(findingsOf(result, 'pre-election')).toEqual([]);
  });

  it('treats mail from a listed publicity mailbox as council publicity', async () => {
    const config = preElectionSettings({ publicityMailboxes: ['laura.bennett@greyfordvale.gov.uk'] });
    const result = await screenFixture(await loadFixture(FOLDER, 'flags-initiative-launched-in-members-name.eml'), config);
    expect(findingsOf(result, 'pre-election')[0]?.explanation).toContain('mail from the press office (laura.bennett@greyfordvale.gov.uk)');
  });

  it('leaves campaigning alone outside the period when campaigningAtAnyTime is off', async () => {
    const config = preElectionSettings({ campaigningAtAnyTime: false });
    for (const file of ['flags-officer-urges-vote-for-party.eml', 'flags-member-council-address-campaign-to-residents.eml', 'flags-press-office-promotes-party.eml']) {
      const result = await screenFixture(await loadFixture(FOLDER, file), config);
      expect(findingsOf(result, 'pre-election'), file).toEqual([]);
    }
  });

  it('reads a short party name as local politics only beside a local word', async () => {
    const config = exampleConfig();
    expect(await pressRelease('Delegates gathered for the Labour party conference in Blackpool.', config)).toEqual([]);
    const local = await pressRelease('The scheme was proposed by the Labour group on the council.', config);
    expect(local.map((finding) => finding.rule)).toEqual(['PERIOD_PARTY_NAMED']);
    expect(local[0]?.explanation).toContain('names Greyford Labour');
  });

  it('asks for a political object before calling "vote for" campaigning', async () => {
    const config = exampleConfig();
    expect(await pressRelease('Vote for your favourite library in the reading awards.', config, '2027-02-01T10:00:00Z')).toEqual([]);
    // "back" here is no request for support (what the model makes of the sentence is measured by the dev split)
    const beatBack = 'The committee beat back the Greens amendment on parking charges.';
    expect(findCampaigning(tokenise(beatBack), politicalNames(config))).toEqual([]);
    const campaign = await pressRelease('Vote for the Greens on 6 May.', config, '2027-02-01T10:00:00Z');
    expect(campaign.map((finding) => finding.rule)).toEqual(['CAMPAIGNING_IN_COUNCIL_PUBLICITY']);
    expect(campaign[0]?.protocolRef).toBe('11.1');
  });

  it('does not mistake a member for a name in ordinary words ("amber warning")', async () => {
    const config = exampleConfig();
    expect(await pressRelease('An amber warning for wind is in place across the district.', config)).toEqual([]);
  });

  it('finishes quickly on a hostile press release full of names, parties and quotation marks', async () => {
    const hostile = `${'Cllr Amber said "vote for the Greens" and the Labour group launches a scheme. '.repeat(8_000)}${'“'.repeat(40_000)}`;
    const started = performance.now();
    const findings = await pressRelease(hostile, exampleConfig());
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(findings.length).toBeGreaterThan(0);
  });
});
