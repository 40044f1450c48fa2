import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/schema.js';
import { Directory } from '../../../src/directory.js';
import type { Finding } from '../../../src/finding.js';
import { screen } from '../../../src/pipeline.js';
import { filters } from '../../../filters/index.js';
import { findParties, politicalNames } from '../../../filters/shared/political-names.js';
import { tokenise } from '../../../filters/shared/tokens.js';
import { configWith, exampleConfig } from '../../helpers/config.js';
import { findingsOf } from '../protocol-fixtures.js';

/** who sent it, to whom, when, and the body: the pre-election filter's findings */
async function sent(from: string, to: string, body: string, at: string, config: Config = exampleConfig()): Promise<Finding[]> {
  const raw = Buffer.from(
    [`From: ${from}`, `To: ${to}`, 'Subject: Update', 'Date: Tue, 2 Feb 2027 10:00:00 +0000', `Message-ID: <pp-${Math.random().toString(36).slice(2)}@greyfordvale.gov.uk>`, 'Content-Type: text/plain; charset=utf-8', '', body.replace(/\n/g, '\r\n'), ''].join('\r\n'),
  );
  const address = (mailbox: string): string => /<([^>]+)>/.exec(mailbox)?.[1] ?? mailbox;
  const result = await screen({ raw, envelope: { mailFrom: address(from), rcptTo: [address(to)] }, receivedAt: new Date(at) }, { config, directory: new Directory(config), filters });
  return findingsOf(result, 'pre-election');
}

const OFFICER = 'Imran Shah <imran.shah@greyfordvale.gov.uk>';
const MEMBER = 'Cllr Tom Hadley <cllr.hadley@greyfordvale.gov.uk>';
const PRESS = 'Greyford Vale Council Press Office <press@greyfordvale.gov.uk>';
const RESIDENTS = 'Castle Ward Residents <residents@castleward-residents.org.uk>';
const NEWSDESK = 'Newsdesk <newsdesk@greyfordgazette.co.uk>';
/** outside the example policy's pre-election period, and inside it */
const FEBRUARY = '2027-02-02T10:00:00Z';
const APRIL = '2027-04-14T09:00:00Z';

describe('party names in the policy', () => {
  it('takes a party as a name or as { name, aliases }, and reads every alias as the party', () => {
    const config = configWith({ parties: ['Vale Independents', { name: 'Greyford Conservatives', aliases: ['Tories', 'Tory-run'] }] });
    const names = politicalNames(config);
    const text = 'The Tories and the Vale Independents met; the Tory-run cabinet agreed.';
    expect(findParties(tokenise(text), names).map((match) => match.value.party)).toEqual(['Greyford Conservatives', 'Vale Independents', 'Greyford Conservatives']);
  });

  it('refuses a party entry without a name, naming the key', () => {
    const result = validateConfig({ ...structuredClone(exampleConfig()), parties: [{ aliases: ['Tories'] }] }, 'policy.yaml');
    expect('problems' in result && result.problems.map((problem) => problem.path)).toContainEqual(expect.stringMatching(/^parties\.0/));
  });
});

describe('who sends party-political material, and through what', () => {
  it("flags an officer's mail to residents that attacks a party by its nickname, at any time", async () => {
    const findings = await sent(OFFICER, RESIDENTS, 'Dear residents,\nThe Tories have let the high street rot for a decade, and it shows.\nImran', FEBRUARY);
    expect(findings.map((finding) => finding.rule)).toEqual(['CAMPAIGNING_BY_OFFICER']);
    expect(findings[0]?.evidence[0]?.text).toBe('The Tories have let the high street rot for a decade, and it shows.');
  });

  it('flags an officer forwarding a party appeal, and marks the evidence as forwarded', async () => {
    const body = [
      'FYI, see below.',
      '',
      '---------- Forwarded message ---------',
      'From: Greyford Labour <office@greyfordlabour.org.uk>',
      'Subject: Help us win Castle ward',
      '',
      'Labour has delivered the new library and only Labour will keep it open. Join us on the doorstep this Saturday.',
    ].join('\n');
    const findings = await sent(OFFICER, RESIDENTS, body, FEBRUARY);
    expect(findings.map((finding) => finding.rule)).toEqual(['CAMPAIGNING_BY_OFFICER']);
    expect(findings[0]?.evidence.some((item) => item.forwarded === true)).toBe(true);
    expect(findings[0]?.explanation).toMatch(/forwards material that/);
  });

  it('does not hold a member responsible for what they quote in mail to an officer', async () => {
    const findings = await sent(MEMBER, OFFICER, 'Imran,\nA resident sent me this: "The Tories have let the high street rot." Can we talk about the shop-front grants?\nTom', FEBRUARY);
    expect(findings).toEqual([]);
  });

  it('flags a member campaigning from a council address to the public outside the pre-election period', async () => {
    const findings = await sent(MEMBER, RESIDENTS, 'Dear neighbours,\nThe Conservatives have frozen your council tax and we will keep it that way.\nTom', FEBRUARY);
    expect(findings.map((finding) => finding.rule)).toEqual(['CAMPAIGNING_FROM_COUNCIL_ADDRESS']);
  });

  it('passes the press office sending the statement of persons nominated to the media in the period', async () => {
    const body = [
      'STATEMENT OF PERSONS NOMINATED',
      'Election of a District Councillor for Castle ward, 6 May 2027',
      'The following persons have been nominated:',
      'Martin Cole, Reform UK',
      'Joanna Wells, Green Party',
      'Priya Amber, Greyford Labour',
      'Issued by the Returning Officer.',
    ].join('\n');
    expect(await sent(PRESS, NEWSDESK, body, APRIL)).toEqual([]);
  });

  it('passes council business that names a party group', async () => {
    expect(await sent(OFFICER, RESIDENTS, 'The Labour group has asked for a briefing on the bus review before the March committee.', FEBRUARY)).toEqual([]);
  });
});
