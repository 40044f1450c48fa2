import { beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../../src/config/schema.js';
import { Directory } from '../../../src/directory.js';
import type { Finding } from '../../../src/finding.js';
import { screen } from '../../../src/pipeline.js';
import { filters } from '../../../filters/index.js';
import { findCommitments, type CommitmentKind } from '../../../filters/obligation/commitment.js';
import { tokenise } from '../../../filters/shared/tokens.js';
import { configWith, exampleConfig } from '../../helpers/config.js';
import { evidenceProblems, findingsOf, loadFixture, screenFixture } from '../protocol-fixtures.js';
import { itExpectsEveryFixture } from '../fixture-coverage.js';

const FOLDER = 'obligation';

/** rule → the excerpt (exact, as written) that must be among its evidence */
const FLAGS: Record<string, Record<string, { readonly protocolRef: string; readonly excerpt: string; readonly location?: string }>> = {
  'flags-council-will-pay-contractor.eml': {
    COMMITS_COUNCIL_MONEY: { protocolRef: '10.1.3', excerpt: 'The Council will pay you £2,400 for the replacement fence, and I would like it\ndone before the Easter holidays.' },
  },
  'flags-accepts-quote-po-to-follow.eml': {
    ACCEPTS_QUOTE_OR_CONTRACT: { protocolRef: '10.1.3', excerpt: 'We accept your quote of £8,950 for resurfacing the Riverside car\npark.' },
    PURCHASE_ORDER: { protocolRef: '10.1.3', excerpt: 'PO to follow.' },
  },
  'flags-personal-address-please-proceed.eml': {
    INSTRUCTS_CONTRACTOR: { protocolRef: '21.12.2', excerpt: 'Please proceed with the works on the Abbey Road bus shelter on Monday,' },
  },
  'flags-instructs-officer-to-withdraw-notice.eml': {
    INSTRUCTS_STAFF: { protocolRef: '21.12.2', excerpt: 'I instruct you to withdraw the enforcement notice today.' },
  },
  'flags-tells-officer-to-change-report.eml': {
    INSTRUCTS_STAFF: { protocolRef: '21.12.2', excerpt: 'Change your\nreport so that it recommends approval, and issue the decision notice as soon as the committee\nhas met.' },
  },
  'flags-waives-fee-and-enforcement.eml': {
    PROMISES_OR_WAIVES: {
      protocolRef: '10.1.3',
      excerpt: 'Following our conversation at the surgery, I can confirm that the fee is waived for your pavement\nlicence this year, and the Council will not enforce the loading restriction outside the deli\nwhile the roadworks last.',
    },
  },
  'flags-promises-planning-approval.eml': {
    PROMISES_OR_WAIVES: { protocolRef: '10.1.3', excerpt: 'Your application will be approved at the April\ncommittee; I have spoken to the chair.' },
  },
  'flags-signed-by-member-from-unlisted-address.eml': {
    INSTRUCTS_CONTRACTOR: { protocolRef: '21.12.2', excerpt: 'Go ahead and order the new litter bins for Castle Street, six of the large green ones we\ndiscussed.' },
    COMMITS_COUNCIL_MONEY: { protocolRef: '10.1.3', excerpt: 'The Council will cover the cost.' },
  },
  'flags-treat-this-email-as-instruction.eml': {
    AUTHORISES_WORKS_OR_SPEND: { protocolRef: '10.1.3', excerpt: 'Treat this email as\nyour instruction to start on site next week.' },
  },
  'flags-on-behalf-of-the-council.eml': {
    SPEAKS_FOR_COUNCIL: {
      protocolRef: '8.1',
      excerpt: 'I am writing on behalf of the Council to let you know that the Council has decided to keep\nRiverside library open on Saturdays.',
    },
  },
  'flags-docx-letter-signed-by-member.eml': {
    ACCEPTS_QUOTE_OR_CONTRACT: {
      protocolRef: '10.1.3',
      excerpt: 'I am delighted to tell you that we accept your tender of £31,500 and you have the contract.',
      location: 'attachment:Letter to Vale Play - Millbrook tender.docx',
    },
  },
  'flags-pdf-letter-authorising-works.eml': {
    AUTHORISES_WORKS_OR_SPEND: {
      protocolRef: '10.1.3',
      excerpt: 'Further to your visit last week, I authorise the drainage works on Riverside Road as you\nproposed.',
      location: 'attachment:Riverside Road drainage.pdf',
    },
    INSTRUCTS_CONTRACTOR: { protocolRef: '21.12.2', excerpt: 'Please start on site on Monday 22 March.', location: 'attachment:Riverside Road drainage.pdf' },
  },
};

const PASSES = [
  'passes-asks-officer-for-explanation.eml',
  'passes-docx-letter-signed-by-officer.eml',
  'passes-executive-decision-reference.eml',
  'passes-hedged-question.eml',
  'passes-officer-with-delegated-authority.eml',
  'passes-opinion-supports-scheme.eml',
  'passes-pdf-ward-newsletter-from-member.eml',
  'passes-personal-capacity.eml',
  'passes-quoted-earlier-message.eml',
  'passes-reported-speech-in-quotes.eml',
  'passes-subject-to-contract.eml',
  'passes-will-raise-with-officers.eml',
];

/** A member's e-mail to a contractor, as the relay would receive it. */
function memberMail(body: string, from = 'Cllr Tom Hadley <cllr.hadley@greyfordvale.gov.uk>'): Buffer {
  return Buffer.from(
    [
      `From: ${from}`,
      'To: Dean Carter <dean@castlefencing.example.co.uk>',
      'Subject: Castle Walk fence',
      'Date: Tue, 2 Mar 2027 08:47:12 +0000',
      'Message-ID: <inline-test@greyfordvale.gov.uk>',
      'MIME-Version: 1.0',
      'Content-Type: text/plain; charset=utf-8',
      '',
      body,
      '',
    ].join('\r\n'),
  );
}

async function obligationFindings(raw: Buffer, config: Config): Promise<Finding[]> {
  const mailFrom = /^From: .*<([^>]+)>/m.exec(raw.toString('utf8'))?.[1] ?? null;
  const result = await screen(
    { raw, envelope: { mailFrom, rcptTo: ['dean@castlefencing.example.co.uk'] }, receivedAt: new Date('2027-03-02T08:47:12Z') },
    { config, directory: new Directory(config), filters },
  );
  return findingsOf(result, 'obligation');
}

function obligationSettings(settings: Record<string, unknown>): Config {
  return configWith({ filters: { obligation: settings } });
}

describe('obligation filter on its fixtures', () => {
  let config: Config;
  beforeAll(() => {
    config = exampleConfig();
  });

  itExpectsEveryFixture(FOLDER, Object.keys(FLAGS), PASSES);

  it.each(Object.entries(FLAGS))('flags %s with the exact sentence and the paragraph it breaches', async (file, expected) => {
    const result = await screenFixture(await loadFixture(FOLDER, file), config);
    const findings = findingsOf(result, 'obligation');
    expect(findings.map((finding) => finding.rule).sort()).toEqual(Object.keys(expected).sort());
    for (const finding of findings) {
      const want = expected[finding.rule];
      expect(finding.protocolRef).toBe(want?.protocolRef);
      expect(finding.evidence[0]).toMatchObject({ location: want?.location ?? 'body', text: want?.excerpt });
      expect(finding.explanation).toMatch(/a member appears to/);
      expect(finding.score).toBeGreaterThanOrEqual(0.5);
      expect(evidenceProblems(result, finding)).toEqual([]);
    }
    expect(result.action).toBe('hold');
  });

  it.each(PASSES)('passes %s', async (file) => {
    const result = await screenFixture(await loadFixture(FOLDER, file), config);
    expect(findingsOf(result, 'obligation')).toEqual([]);
  });

  it('names the member and how the mail is theirs: their address, or their signature', async () => {
    const byAddress = await screenFixture(await loadFixture(FOLDER, 'flags-personal-address-please-proceed.eml'), config);
    expect(findingsOf(byAddress, 'obligation')[0]?.explanation).toContain("mail from Cllr Gareth Pryce's address");
    expect(findingsOf(byAddress, 'obligation')[0]?.evidence).toContainEqual({ location: 'header:from', text: 'Gareth Pryce <gareth.pryce@example.org>' });
    const bySignature = await screenFixture(await loadFixture(FOLDER, 'flags-signed-by-member-from-unlisted-address.eml'), config);
    const signed = findingsOf(bySignature, 'obligation')[0];
    expect(signed?.explanation).toContain('mail signed in the name of Cllr Tom Hadley');
    expect(signed?.evidence).toContainEqual(expect.objectContaining({ location: 'body', text: 'Cllr Tom Hadley' }));
    const letter = await screenFixture(await loadFixture(FOLDER, 'flags-docx-letter-signed-by-member.eml'), config);
    expect(findingsOf(letter, 'obligation')[0]?.explanation).toContain('signed in the name of Cllr Priya Amber');
  });
});

describe('obligation scoring', () => {
  const unfiltered = (): Config => obligationSettings({ minScore: 0 });

  it('scores hedged and conditional wording lower than a plain commitment, below the shipped threshold', async () => {
    const config = unfiltered();
    const plain = await obligationFindings(memberMail('The Council will pay you £2,000 for the fence.'), config);
    const hedged = await obligationFindings(memberMail('I think the Council might be able to pay you £2,000 for the fence.'), config);
    const conditional = await obligationFindings(memberMail('If officers agree, the Council will pay you £2,000 for the fence.'), config);
    const plainScore = plain.find((finding) => finding.rule === 'COMMITS_COUNCIL_MONEY')?.score ?? 0;
    const hedgedScore = hedged.find((finding) => finding.rule === 'COMMITS_COUNCIL_MONEY')?.score ?? 0;
    const conditionalScore = conditional.find((finding) => finding.rule === 'COMMITS_COUNCIL_MONEY')?.score ?? 0;
    expect(plainScore).toBeGreaterThanOrEqual(0.9);
    expect(hedgedScore).toBeGreaterThan(0);
    expect(hedgedScore).toBeLessThan(plainScore);
    expect(hedgedScore).toBeLessThan(0.5);
    expect(conditionalScore).toBeLessThan(hedgedScore);
    expect(hedged[0]?.explanation).toContain('hedged');
    expect(conditional[0]?.explanation).toContain('conditional');
    // and the shipped policy (minScore 0.5) lets the hedged one through
    expect(await obligationFindings(memberMail('I think the Council might be able to pay you £2,000 for the fence.'), exampleConfig())).toEqual([]);
  });

  it('raises the score for a sum of money', async () => {
    const config = unfiltered();
    const withMoney = await obligationFindings(memberMail('Please proceed with the works. The Council will pay you £2,000.'), config);
    const without = await obligationFindings(memberMail('Please proceed with the works. The Council will pay you.'), config);
    const money = (findings: Finding[]): number => findings.find((finding) => finding.rule === 'COMMITS_COUNCIL_MONEY')?.score ?? 0;
    expect(money(withMoney)).toBeGreaterThan(money(without));
  });

  it('reports nothing for the same words from an officer, who writes with delegated authority', async () => {
    const raw = memberMail('The Council will pay you £2,000 for the fence. Please proceed with the works.', 'Imran Shah <imran.shah@greyfordvale.gov.uk>');
    expect(await obligationFindings(raw, unfiltered())).toEqual([]);
  });

  it('reports nothing when the member writes expressly in a personal capacity, whatever the score threshold', async () => {
    const raw = memberMail('I write in a personal capacity as a neighbour. I accept your quote for my fence.');
    expect(await obligationFindings(raw, unfiltered())).toEqual([]);
  });

  it('exempts a cabinet member citing a decision reference only while exemptExecutiveDecisions is on', async () => {
    const fixture = await loadFixture(FOLDER, 'passes-executive-decision-reference.eml');
    const off = await screenFixture(fixture, obligationSettings({ exemptExecutiveDecisions: false }));
    expect(findingsOf(off, 'obligation').map((finding) => finding.rule)).toEqual(['COMMITS_COUNCIL_MONEY']);
    expect(findingsOf(off, 'obligation')[0]?.evidence[0]?.text).toBe('I am pleased to tell you that, following Cabinet decision ref CAB/2027/014, the Council will fund\nthe new Millbrook play area.');
  });

  it('does not read attached letters when readAttachments is off', async () => {
    const result = await screenFixture(await loadFixture(FOLDER, 'flags-docx-letter-signed-by-member.eml'), obligationSettings({ readAttachments: false }));
    expect(findingsOf(result, 'obligation')).toEqual([]);
  });

  it('finishes quickly on a hostile body: a megabyte of instructions and unbalanced quotation marks', async () => {
    const hostile = `${'Please proceed with the works and "the Council will pay £5 '.repeat(20_000)}\n${'“'.repeat(50_000)}`;
    const started = performance.now();
    const findings = await obligationFindings(memberMail(hostile), unfiltered());
    // far from a normal message (milliseconds) and far from a runaway (minutes)
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(findings.length).toBeGreaterThan(0);
  });
});

describe('commitment analysis', () => {
  const kinds = (sentence: string): CommitmentKind[] =>
    findCommitments(tokenise(sentence), sentence.trim().endsWith('?'))
      .filter((commitment) => commitment.strength >= 0.5)
      .map((commitment) => commitment.kind);

  it.each([
    ['The Council will pay you £5,000 for the fence.', 'payment'],
    ['We will cover the costs of the repairs.', 'payment'],
    ['We accept your quote for the resurfacing.', 'acceptance'],
    ['You have the contract.', 'acceptance'],
    ['PO to follow.', 'purchase-order'],
    ['Please proceed with the works on Monday.', 'instruction'],
    ['Go ahead and order the new bins.', 'instruction'],
    ['I need you to change your report.', 'instruction'],
    ['Do not serve the notice.', 'instruction'],
    ['I hereby authorise the works.', 'authorisation'],
    ['You can now proceed with the works.', 'authorisation'],
    ['The fee is waived.', 'promise'],
    ['The council will not enforce the parking restriction.', 'promise'],
    ['Your application will be approved.', 'promise'],
    ['On behalf of the Council, thank you.', 'speaking-as-council'],
  ])('finds a commitment in "%s" (%s)', (sentence, kind) => {
    expect(kinds(sentence)).toContain(kind);
  });

  it.each([
    'I will raise this with officers.',
    "I'll ask officers to proceed with the works.",
    'Officers will contact you about next steps.',
    'The contractor will start the works on Monday.',
    'I cannot authorise the works.',
    'We paid the contractor last week.',
    'Could you explain why the report changed?',
    'I support this scheme.',
    'Subject to contract, we accept your quote.',
    "Don't start the works until the Council has issued an order.",
    'Please pay attention to the new parking rules.',
    'Start date is Monday.',
    'I will pay for the plants myself.',
  ])('finds no commitment in "%s"', (sentence) => {
    expect(kinds(sentence)).toEqual([]);
  });
});
