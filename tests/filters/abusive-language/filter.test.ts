import { readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { abusiveLanguageFilter, scoreText } from '../../../filters/abusive-language/index.js';
import { CATEGORIES, CATEGORY_INFO } from '../../../filters/abusive-language/categories.js';
import { markTokens, namesOf } from '../../../filters/abusive-language/context.js';
import { analyseSentence, pairReading, readSentence, type DetectorSettings } from '../../../filters/abusive-language/detector.js';
import { decodeVocabulary, FALSE_FRIEND_WORDS } from '../../../filters/abusive-language/lexicon.js';
import {
  denseFeatures,
  featureOccurrences,
  headScore,
  MODEL_FORMAT,
  modelFromFile,
  modelPath,
  sigmoid,
  type AbuseModel,
  type ModelFile,
  vectorsPath,
  WordVectors,
  type WordVectorsFile,
} from '../../../filters/abusive-language/model.js';
import { sentencesOf, tokenize } from '../../../filters/abusive-language/text.js';
import { filters } from '../../../filters/index.js';
import { validateConfig } from '../../../src/config/load.js';
import type { Config } from '../../../src/config/schema.js';
import { Directory } from '../../../src/directory.js';
import type { Finding } from '../../../src/finding.js';
import { screen, type ScreeningResult } from '../../../src/pipeline.js';
import { screeningHeaderValue } from '../../../src/policy.js';
import { configWith, exampleConfig } from '../../helpers/config.js';
import { hasSharedData, sharedDataPath } from '../../helpers/shared-data.js';
import { evidenceProblems, findingsOf, fixtureFiles, loadFixture, screenFixture } from '../protocol-fixtures.js';

const FOLDER = 'abusive-language';
const ID = 'abusive-language';

interface Expected {
  readonly rule: string;
  /** a sentence that must be among the finding's evidence, exactly as written */
  readonly excerpt: string;
  readonly severity?: Finding['severity'];
  readonly location?: string;
}

/** every flags-* fixture: the findings it must raise (others may not appear) and the action */
const FLAGS: Record<string, { readonly findings: readonly Expected[]; readonly action: ScreeningResult['action'] }> = {
  'flags-threat-know-where-you-live.eml': {
    action: 'hold',
    findings: [{ rule: 'THREAT', severity: 'high', excerpt: 'I know where you live, and you will regret the day you put your name to that report.' }],
  },
  'flags-threat-visit-home.eml': {
    action: 'hold',
    findings: [{ rule: 'THREAT', excerpt: 'If it isn\'t fixed by Friday I will come round to your house and we can discuss it there.' }],
  },
  'flags-threat-someone-should-punch-him.eml': {
    action: 'hold',
    findings: [{ rule: 'THREAT', excerpt: 'Honestly, someone should punch him for the state he left it in.' }],
  },
  'flags-threat-in-subject-line.eml': { action: 'hold', findings: [{ rule: 'THREAT', excerpt: 'You will regret this', location: 'subject' }] },
  'flags-employment-threat-have-your-job.eml': {
    action: 'hold',
    findings: [{ rule: 'EMPLOYMENT_THREAT', severity: 'high', excerpt: "I'll have your job for this." }],
  },
  'flags-employment-threat-wont-be-here-long.eml': {
    action: 'hold',
    findings: [{ rule: 'EMPLOYMENT_THREAT', excerpt: "Carry on like this and you won't be here much longer." }],
  },
  'flags-employment-threat-days-are-numbered.eml': {
    action: 'hold',
    findings: [
      {
        rule: 'EMPLOYMENT_THREAT',
        excerpt: 'Your days here are numbered, and you should consider your position before the audit committee does it for you.',
      },
    ],
  },
  'flags-personal-attack-incompetent-useless.eml': {
    action: 'flag',
    findings: [{ rule: 'PERSONAL_ATTACK', severity: 'high', excerpt: 'You are completely incompetent and utterly useless.' }],
  },
  'flags-personal-attack-named-officer.eml': {
    action: 'flag',
    findings: [{ rule: 'PERSONAL_ATTACK', excerpt: 'Rachel Finch is a clueless idiot and should not be anywhere near a planning file.' }],
  },
  'flags-personal-attack-your-incompetence.eml': {
    action: 'flag',
    findings: [{ rule: 'PERSONAL_ATTACK', excerpt: 'Your incompetence has cost the traders of Castle ward a fortune this month.' }],
  },
  'flags-personal-attack-leetspeak.eml': {
    action: 'flag',
    findings: [{ rule: 'PERSONAL_ATTACK', excerpt: 'Only an 1d10t would leave the steepest road off the route, and you are that 1d10t.' }],
  },
  'flags-officer-insults-member.eml': {
    action: 'flag',
    findings: [{ rule: 'PERSONAL_ATTACK', excerpt: 'He is a pompous buffoon and I am not taking any more of his calls.' }],
  },
  'flags-html-only-insult.eml': { action: 'flag', findings: [{ rule: 'PERSONAL_ATTACK', excerpt: 'You are pathetic and so is your department.' }] },
  'flags-profanity-at-person-masked.eml': {
    action: 'flag',
    findings: [{ rule: 'PROFANITY_AT_PERSON', severity: 'high', excerpt: 'F*** off and do your job for once.' }],
  },
  'flags-profanity-at-person-spaced-letters.eml': {
    action: 'flag',
    findings: [
      { rule: 'PROFANITY_AT_PERSON', excerpt: 'You are a f u c k i n g disgrace.' },
      { rule: 'PERSONAL_ATTACK', excerpt: 'You are a f u c k i n g disgrace.' },
    ],
  },
  'flags-discriminatory-slur.eml': { action: 'hold', findings: [{ rule: 'DISCRIMINATORY', severity: 'high', excerpt: 'Only a retard would approve a slope that steep.' }] },
  'flags-discriminatory-stereotype.eml': {
    action: 'hold',
    findings: [
      { rule: 'DISCRIMINATORY', excerpt: 'Typical woman, too emotional to take a hard decision.' },
      { rule: 'DISCRIMINATORY', excerpt: "Women can't handle a committee like ours." },
    ],
  },
  'flags-discriminatory-generalisation.eml': { action: 'hold', findings: [{ rule: 'DISCRIMINATORY', excerpt: 'All travellers are thieves and I want them moved on today.' }] },
  'flags-sexual-harassment-appearance-and-drink.eml': { action: 'hold', findings: [{ rule: 'SEXUAL_HARASSMENT', excerpt: 'You looked gorgeous in that dress.' }] },
  'flags-sexual-harassment-personal-questions.eml': { action: 'hold', findings: [{ rule: 'SEXUAL_HARASSMENT', excerpt: 'Are you single?' }] },
  'flags-demeaning-address-thanks-love.eml': {
    action: 'flag',
    findings: [{ rule: 'DEMEANING_ADDRESS', severity: 'medium', excerpt: 'Thanks love, but leave the budget figures to the grown-ups.' }],
  },
  'flags-demeaning-address-calm-down-dear.eml': { action: 'flag', findings: [{ rule: 'DEMEANING_ADDRESS', excerpt: "Calm down dear, it's only a planning application." }] },
  'flags-demeaning-address-young-lady.eml': {
    action: 'flag',
    findings: [{ rule: 'DEMEANING_ADDRESS', excerpt: 'Listen, young lady, I have been a councillor since before you left school.' }],
  },
  'flags-public-undermining-all-councillors.eml': {
    action: 'flag',
    findings: [{ rule: 'PUBLIC_UNDERMINING', severity: 'high', excerpt: 'I have copied all councillors so they can see what you are really like.' }],
  },
  'flags-public-undermining-press.eml': {
    action: 'flag',
    findings: [
      { rule: 'PUBLIC_UNDERMINING', excerpt: 'Imran Shah is useless and the people of Abbey ward deserve better.' },
      { rule: 'PERSONAL_ATTACK', excerpt: 'Imran Shah is useless and the people of Abbey ward deserve better.' },
    ],
  },
  'flags-harassment-calls-while-off-sick.eml': {
    action: 'hold',
    findings: [{ rule: 'HARASSMENT', severity: 'high', excerpt: "I know you're off sick but I've rung your home number four times tonight and I'll keep ringing until you pick up." }],
  },
  'flags-ridicule-child-and-hand-holding.eml': {
    action: 'flag',
    findings: [{ rule: 'RIDICULE', severity: 'medium', excerpt: 'My granddaughter could have drawn a better plan with her crayons, so shall I ask someone to hold your hand through the next one?' }],
  },
  'flags-impartiality-pressure.eml': {
    action: 'flag',
    findings: [{ rule: 'IMPARTIALITY_PRESSURE', excerpt: 'You will change your recommendation to approval before it goes to committee.' }],
  },
};

const PROTOCOL_REF: Record<string, string> = {
  THREAT: '3.8',
  EMPLOYMENT_THREAT: '3.8',
  DISCRIMINATORY: '3.8',
  SEXUAL_HARASSMENT: '3.8',
  DEMEANING_ADDRESS: '3.8',
  PERSONAL_ATTACK: '21.9.3',
  PUBLIC_UNDERMINING: '21.9.3',
  IMPARTIALITY_PRESSURE: '21.9.3',
  PROFANITY: '10.2.1',
  PROFANITY_AT_PERSON: '10.2.1',
  HARASSMENT: '21.9.3',
  RIDICULE: '21.9.3',
};

let config: Config;
beforeAll(() => {
  config = exampleConfig();
});

/** A message from a member to an officer with the given text, screened through the pipeline. */
async function screenText(body: string, options: { config?: Config; from?: string; to?: string; cc?: string; subject?: string } = {}): Promise<ScreeningResult> {
  const from = options.from ?? 'cllr.hadley@greyfordvale.gov.uk';
  const to = options.to ?? 'rachel.finch@greyfordvale.gov.uk';
  const headers = [
    `From: ${from}`,
    `To: ${to}`,
    ...(options.cc ? [`Cc: ${options.cc}`] : []),
    `Subject: ${options.subject ?? 'Castle Mews'}`,
    'Date: Tue, 2 Feb 2027 10:15:00 +0000',
    'Message-ID: <test@greyfordvale.gov.uk>',
    'Content-Type: text/plain; charset=utf-8',
  ];
  const raw = Buffer.from(`${headers.join('\r\n')}\r\n\r\n${body.replace(/\r?\n/g, '\r\n')}\r\n`, 'utf8');
  const used = options.config ?? config;
  const rcptTo = [to, ...(options.cc ? options.cc.split(',').map((address) => address.trim()) : [])];
  // this filter alone, so that timings and actions are its own
  return screen({ raw, envelope: { mailFrom: from, rcptTo }, receivedAt: new Date('2027-02-02T10:15:00Z') }, { config: used, directory: new Directory(used), filters: [abusiveLanguageFilter] });
}

/** the example policy with swearing aimed at no one turned on */
const SWEARING = configWith({ filters: { [ID]: { categories: { profanity: { enabled: true } } } } });

async function rulesFor(body: string, options?: Parameters<typeof screenText>[1]): Promise<string[]> {
  return findingsOf(await screenText(body, options), ID).map((finding) => finding.rule);
}

describe('abusive-language fixtures', () => {
  const files = fixtureFiles(FOLDER);

  it('has at least 40 council messages, flagging and passing, for every category on by default', () => {
    expect(files.length).toBeGreaterThanOrEqual(40);
    expect(files.filter((file) => file.startsWith('passes-')).length).toBeGreaterThanOrEqual(15);
    const rules = new Set(Object.values(FLAGS).flatMap((entry) => entry.findings.map((finding) => finding.rule)));
    const declared = CATEGORIES.filter((category) => CATEGORY_INFO[category].enabledByDefault).map((category) => CATEGORY_INFO[category].rule);
    expect([...rules].sort()).toEqual([...declared].sort());
    expect(files.filter((file) => file.startsWith('flags-')).sort()).toEqual(Object.keys(FLAGS).sort());
  });

  it.each(Object.entries(FLAGS))('%s raises exactly its findings, quoting the sentence where it stands', async (file, expected) => {
    const result = await screenFixture(await loadFixture(FOLDER, file), config);
    const findings = findingsOf(result, ID);
    expect(findings.map((finding) => finding.rule).sort()).toEqual([...new Set(expected.findings.map((item) => item.rule))].sort());
    for (const item of expected.findings) {
      const finding = findings.find((candidate) => candidate.rule === item.rule) as Finding;
      expect(finding.protocolRef).toBe(PROTOCOL_REF[item.rule]);
      expect(finding.evidence.map((evidence) => evidence.text)).toContain(item.excerpt);
      const evidence = finding.evidence.find((candidate) => candidate.text === item.excerpt);
      expect(evidence?.location).toBe(item.location ?? 'body');
      if (item.severity) expect(finding.severity).toBe(item.severity);
      expect(finding.score).toBeGreaterThanOrEqual(0.5);
      expect(finding.score).toBeLessThanOrEqual(1);
      expect(finding.explanation.length).toBeGreaterThan(10);
      expect(evidenceProblems(result, finding)).toEqual([]);
    }
    expect(result.action).toBe(expected.action);
  });

  it.each(files.filter((file) => file.startsWith('passes-')))('%s raises no abusive-language finding', async (file) => {
    const result = await screenFixture(await loadFixture(FOLDER, file), config);
    expect(findingsOf(result, ID)).toEqual([]);
  });

  it('names the filter in the screening header of a tagged message', async () => {
    const tagged = configWith({ filters: { [ID]: { categories: { profanity: { enabled: true, action: 'tag' } } } } });
    const result = await screenFixture(await loadFixture(FOLDER, 'passes-profanity-undirected.eml'), tagged);
    expect(screeningHeaderValue(result)).toBe('action=deliver; findings=abusive-language');
  });
});

describe('who the language is aimed at', () => {
  it.each([
    ['You are useless at your job.', ['PERSONAL_ATTACK']],
    ['The new booking system is useless.', []],
    // contempt for work is discourtesy, a category a council turns on; never a personal attack
    ['Your report is rubbish and the figures are wrong.', []],
    ['Your stupid report is late again.', []],
    ['Your attitude is disgusting.', ['PERSONAL_ATTACK']],
    ['Imran is an idiot.', ['PERSONAL_ATTACK']],
    ["I'm such an idiot, I sent the wrong map.", []],
    ['Only dumb people like me need the format spelled out.', []],
    ['What a stupid idea that was.', []],
    ['The incompetent officers in highways have done it again.', ['PERSONAL_ATTACK']],
  ])('"%s" → %j', async (body, rules) => {
    expect(await rulesFor(body)).toEqual(rules);
  });
});

describe('discourtesy, when a council turns it on', () => {
  // as the example policy has it, with the switch turned on
  const courteous = (): Config => configWith({ filters: { [ID]: { categories: { discourtesy: { enabled: true, action: 'tag' } } } } });

  it.each([
    ['Your report is rubbish and the figures are wrong.', 'Your report is rubbish and the figures are wrong.'],
    ['What a stupid idea that was.', 'What a stupid idea that was.'],
    ["That's utter nonsense.", "That's utter nonsense."],
    ["You're talking rubbish, as usual.", "You're talking rubbish, as usual."],
    ['Ridiculous! Who signed this off?', 'Ridiculous!'],
    ['This condition is stupid, please take it out.', 'This condition is stupid, please take it out.'],
    ['Your stupid report is late again.', 'Your stupid report is late again.'],
  ])('"%s" is discourtesy, a low-severity tag quoting "%s"', async (body, sentence) => {
    const result = await screenText(body, { config: courteous() });
    const findings = findingsOf(result, ID);
    expect(findings.map((finding) => finding.rule)).toEqual(['DISCOURTESY']);
    const finding = findings[0] as Finding;
    expect(finding).toMatchObject({ severity: 'low', protocolRef: '21.9.1' });
    expect(finding.explanation).toMatch(/^Contemptuous remark/);
    expect(finding.evidence.map((evidence) => evidence.text)).toEqual([sentence]);
    expect(result.action).toBe('deliver');
    expect(screeningHeaderValue(result)).toBe('action=deliver; findings=abusive-language');
  });

  it.each([
    // robust challenge in plain words
    ["I'm disappointed the report is late and want to know why.", []],
    ['This parking policy is a failure and the consultation behind it was inadequate.', []],
    ["It's absurd that residents have waited six months for a reply.", []],
    // the writer's own doubt or mistake
    ['This may be a stupid question, but when is the deadline?', []],
    ['Stupid question: is the hearing on Tuesday or Wednesday?', []],
    ['My stupid mistake, sorry, the map is attached now.', []],
    ["I'm sure these are stupid questions, but here goes.", []],
    ["Ignore my last email, I'm talking nonsense.", []],
    // waste, quantities and negation
    ['The rubbish collection on Castle Street has been missed again.', []],
    ['We took a load of rubbish to the tip on Saturday.', []],
    ['This is not stupid at all.', []],
    ['There is no such thing as a stupid question.', []],
    ['A ridiculous amount of rain fell overnight.', []],
    ['Holy crap, they did it!', []],
    // mild words score below the threshold
    ['The new booking system is useless.', []],
    // quoted
    ['The resident called the plan "utter nonsense" at the meeting.', []],
  ])('"%s" → %j', async (body, rules) => {
    expect(await rulesFor(body, { config: courteous() })).toEqual(rules);
  });

  it('gives way to a personal attack when the contempt is for a person', async () => {
    expect(await rulesFor('You are stupid.', { config: courteous() })).toEqual(['PERSONAL_ATTACK']);
  });

  it('is off by default, and on reports contempt for a thing only in mail to the council', async () => {
    expect(await rulesFor('This is stupid.')).toEqual([]);
    expect(await rulesFor('This is stupid.', { config: courteous() })).toEqual(['DISCOURTESY']);
    expect(await rulesFor('This is stupid.', { config: courteous(), to: 'mark.dawson@example.com' })).toEqual([]);
    // aimed at the reader, it counts whoever the mail is to
    expect(await rulesFor("You're being ridiculous.", { config: courteous(), to: 'mark.dawson@example.com' })).toEqual(['DISCOURTESY']);
  });
});

describe('negation, quotation and reported speech', () => {
  it.each([
    ['I am not calling you incompetent, but I need the figures.', []],
    ["Nobody is suggesting you're lazy.", []],
    ["You're not only lazy, you're incompetent.", ['PERSONAL_ATTACK']],
    ['He called me "a useless idiot" at the meeting.', []],
    ['The resident said that you were a disgrace.', []],
    ['I was told I would lose my job if I complained.', []],
    ['I told him he is useless and I meant it.', ['PERSONAL_ATTACK']],
    ['Do not call me "love" again.', []],
    ["If the report isn't ready by Friday you will regret it.", ['THREAT']],
    ["Tell the planners that and they'll get all defensive, black list you as a sh*t disturber and ignore you.", []],
    ['I have always seen you as a complete idiot.', ['PERSONAL_ATTACK']],
    ['Everyone in the department sees you as a useless idiot.', ['PERSONAL_ATTACK']],
    ['They can see you as a sh*t disturber if they like; I see you as an idiot.', ['PERSONAL_ATTACK']],
  ])('"%s" → %j', async (body, rules) => {
    expect(await rulesFor(body)).toEqual(rules);
  });

  it('does not screen quoted replies or forwarded mail, only the sender\'s new text', async () => {
    const body = ['Thanks, I will look into it today.', '', 'On Mon, 1 Feb 2027 at 09:00, Mark <mark@example.com> wrote:', '> You are a useless idiot.', '> I know where you live.'].join('\n');
    expect(await rulesFor(body)).toEqual([]);
  });

  it('does not screen lines quoted under the earlier writer\'s initials', async () => {
    const body = ['ALB> You are a useless idiot.', 'ALB> I know where you live.', '', 'I take a different view on the budget.'].join('\n');
    expect(await rulesFor(body)).toEqual([]);
    expect(await rulesFor(['ALB> The budget is fine.', 'You are a useless idiot.'].join('\n'))).toEqual(['PERSONAL_ATTACK']);
  });

  it('does not screen the subject of a reply, which is not new text', async () => {
    expect(await rulesFor('Noted, thank you.', { subject: 'Re: You will regret this' })).toEqual([]);
    expect(await rulesFor('Noted, thank you.', { subject: 'You will regret this' })).toEqual(['THREAT']);
  });
});

/** detector settings whose model rates every sentence the same */
function settingsWith(probability: number): DetectorSettings {
  const model: AbuseModel = {
    version: 'test',
    trainedAt: '2027-01-01',
    readsPairs: false,
    words: () => ({ sum: 0, count: 0, embedding: new Float64Array(0), known: 0, network: { words: [] } }),
    probability: () => probability,
    categories: () => [['personal-attack', 1]],
  };
  return { names: namesOf([]), model };
}

describe('false friends', () => {
  it.each([
    'The kill switch cut the power to the pumps, and we killed the runaway process.',
    'The attack on the server was blocked by the firewall.',
    'Please shoot me an email once the contract is executed.',
    'We need to hit the deadline and beat last year\'s figures.',
    'Dear Rachel, thank you for the update.',
    'Oh dear, the printer is broken again.',
    'I would love to see the plans.',
    'The sexual health clinic moves in March.',
    'The pantomime is Dick Whittington, with Mr Crook as the Sultan.',
    'A thick layer of snow fell on the dense housing estate.',
    'Can you git pull the latest branch?',
    'Take the idea to a venture fund, angel, or big company.',
    'The list of obstacles (sunshine, a long lunch) grew.',
    'The new charges will piss off the bus companies.',
    'The exhibition includes the painting Some Ugly Guy by a local artist.',
    'The bug is in ffs(), which returns the index of the first set bit.',
  ])('"%s" passes', async (body) => {
    expect(await rulesFor(body)).toEqual([]);
  });

  it.each([
    ['Guido will bitch like hell about the wait, but he\'s the boss so he bitches about everything.', 'bitch'],
    ['When the thrill is gone, she should take his shit.', 'shit'],
  ])('reads "%s" as swearing aimed at no one', async (body, word) => {
    const rules = await rulesFor(body);
    expect(rules).not.toContain('PROFANITY_AT_PERSON');
    expect(rules).not.toContain('PERSONAL_ATTACK');
    const cues = analyseSentence(body, 0, settingsWith(0.5)).cues;
    expect(cues.filter((cue) => cue.matched.toLowerCase().startsWith(word)).map((cue) => cue.category)).toContain('profanity');
  });

  it('still reports the same words used at a person', async () => {
    expect(await rulesFor('You bitch.')).toContain('PROFANITY_AT_PERSON');
    expect(await rulesFor('You bitch and liar.')).toContain('PROFANITY_AT_PERSON');
    expect(await rulesFor('He is a shit and everyone knows it.')).not.toEqual([]);
  });

  it('reads "Love," above the writer\'s name as a sign-off, as it reads "Love, Tom"', async () => {
    expect(await rulesFor('Thanks for sorting the bins.\n\nLove, Tom')).toEqual([]);
    expect(await rulesFor('Thanks for sorting the bins.\n\nLove,\nTom')).toEqual([]);
    expect(await rulesFor('See you on Tuesday.\nLove\nTom Hadley')).toEqual([]);
    // "love" said to the reader is still reported, on one line or two
    expect(await rulesFor('Love,\nyou need to calm down.')).toContain('DEMEANING_ADDRESS');
    expect(await rulesFor('Love,\nStop it.')).toContain('DEMEANING_ADDRESS');
    expect(await rulesFor('Thanks love.')).toContain('DEMEANING_ADDRESS');
  });

  it('does not take a title written in capitals without a name ("MS", "DR") for a person', () => {
    const marks = (text: string) => markTokens(tokenize(text, decodeVocabulary()), namesOf([]));
    expect(marks('learning MS basics')).not.toContain('person');
    expect(marks('ask Ms Finch')).toContain('name');
    expect(marks('ask the ms')).toContain('person');
  });

  it('never matches rude words inside place names and ordinary words', async () => {
    const body = `You will find ${FALSE_FRIEND_WORDS.join(', ')} in the index.`;
    expect(await rulesFor(body)).toEqual([]);
  });
});

describe('obfuscated swearing', () => {
  const vocabulary = decodeVocabulary();
  const wordsOf = (text: string): string[] => tokenize(text, vocabulary).filter((token) => token.kind === 'word').map((token) => token.word);

  it.each([
    ['f***', 'fuck'],
    ['f**k', 'fuck'],
    ['f.u.c.k', 'fuck'],
    ['f-u-c-k', 'fuck'],
    ['f u c k', 'fuck'],
    ['sh1t', 'shit'],
    ['$hit', 'shit'],
    ['fuuuuuck', 'fuck'],
    ['b!tch', 'bitch'],
    ['1d10t', 'idiot'],
    ['fu\u0441k', 'fuck'], // Cyrillic es
    ['f\u200buck', 'fuck'], // zero-width space
    ['FÜCK', 'fuck'],
  ])('%s is read as %s', (written, meant) => {
    expect(wordsOf(written)).toEqual([meant]);
  });

  it.each([
    ['b2b', 'b2b'],
    ['mp3', 'mp3'],
    ['covid-19', 'covid-19'],
    ['*is*', 'is'],
    ['e-mail', 'e-mail'],
  ])('%s stays %s', (written, meant) => {
    expect(wordsOf(written)).toEqual([meant]);
  });

  it.each(['Sh*t, the deadline has passed again.', 'What the f*** happened to the minutes?', 'This is b*llocks.'])('"%s" is reported as swearing where a council turns swearing on', async (body) => {
    expect(await rulesFor(body)).toEqual([]);
    expect(await rulesFor(body, { config: SWEARING })).toEqual(['PROFANITY']);
  });

  it('reports mild swearing only when the council lowers the profanity threshold', async () => {
    const body = 'The damn printer is broken again.';
    expect(await rulesFor(body)).toEqual([]);
    expect(await rulesFor(body, { config: SWEARING })).toEqual([]);
    const strict = configWith({ filters: { [ID]: { categories: { profanity: { enabled: true, threshold: 0.2 } } } } });
    expect(await rulesFor(body, { config: strict })).toEqual(['PROFANITY']);
  });
});

describe('policy options', () => {
  it('applies a per-category threshold and switch', async () => {
    const body = 'You are completely incompetent.';
    expect(await rulesFor(body)).toEqual(['PERSONAL_ATTACK']);
    const high = configWith({ filters: { [ID]: { categories: { 'personal-attack': { threshold: 0.99 } } } } });
    expect(await rulesFor(body, { config: high })).toEqual([]);
    const off = configWith({ filters: { [ID]: { categories: { 'personal-attack': { enabled: false } } } } });
    expect(await rulesFor(body, { config: off })).toEqual([]);
  });

  it('applies a per-category action, and the filter action to the rest', async () => {
    const policy = configWith({ filters: { [ID]: { action: 'flag', categories: { 'personal-attack': { action: 'reject' } } } } });
    const rejected = await screenText('You are a useless idiot.', { config: policy });
    expect(rejected.action).toBe('reject');
    expect(rejected.reason).toMatch(/^5\.7\.1 Refused under the Member\/Officer Protocol para 21\.9\.3: /);
    expect((await screenText('Thanks love, that will do.', { config: policy })).action).toBe('flag');
  });

  it('screens only members, officers and council addresses unless told to screen anyone', async () => {
    const body = 'You are a useless idiot.';
    expect(await rulesFor(body, { from: 'mark.dawson@example.com' })).toEqual([]);
    const anyone = configWith({ filters: { [ID]: { senders: 'anyone' } } });
    expect(await rulesFor(body, { from: 'mark.dawson@example.com', config: anyone })).toEqual(['PERSONAL_ATTACK']);
  });

  it('treats criticism of a named officer as public undermining only before an audience', async () => {
    const body = 'Rachel Finch has been incompetent throughout.';
    expect(await rulesFor(body, { to: 'helen.marsh@greyfordvale.gov.uk' })).not.toContain('PUBLIC_UNDERMINING');
    const members = 'cllr.amber@greyfordvale.gov.uk, cllr.okafor@greyfordvale.gov.uk, cllr.pryce@greyfordvale.gov.uk';
    expect(await rulesFor(body, { to: 'helen.marsh@greyfordvale.gov.uk', cc: members })).toContain('PUBLIC_UNDERMINING');
    const fewer = configWith({ filters: { [ID]: { publicAudienceMembers: 4 } } });
    expect(await rulesFor(body, { to: 'helen.marsh@greyfordvale.gov.uk', cc: members, config: fewer })).not.toContain('PUBLIC_UNDERMINING');
  });

  it('reports undirected swearing only where turned on, in mail to the council unless told to report it in any mail', async () => {
    const body = 'This fucking portal has crashed again.';
    expect(await rulesFor(body)).toEqual([]);
    expect(await rulesFor(body, { config: SWEARING })).toEqual(['PROFANITY']);
    expect(await rulesFor(body, { to: 'mark.dawson@example.com', config: SWEARING })).toEqual([]);
    const anyone = configWith({ filters: { [ID]: { undirectedRecipients: 'anyone', categories: { profanity: { enabled: true } } } } });
    expect(await rulesFor(body, { to: 'mark.dawson@example.com', config: anyone })).toEqual(['PROFANITY']);
    // aimed at the reader, it counts whoever the mail is to
    expect(await rulesFor('You are a useless idiot.', { to: 'mark.dawson@example.com' })).toEqual(['PERSONAL_ATTACK']);
  });

  it('still loads a policy file that sets the retired model options', () => {
    const result = validateConfig({ council: { name: 'X', domains: ['x.gov.uk'] }, filters: { [ID]: { modelOnlyThreshold: 0.9, unaimedInsultThreshold: 0.65 } } }, 'policy.yaml');
    expect('problems' in result ? result.problems : []).toEqual([]);
  });

  it('keeps at most maxEvidence sentences per finding', async () => {
    const body = Array.from({ length: 8 }, (_, i) => `Point ${i + 1}: you are useless.`).join('\n\n');
    const finding = findingsOf(await screenText(body), ID)[0] as Finding;
    expect(finding.evidence).toHaveLength(5);
    expect(finding.explanation).toContain('(8 sentences)');
  });

  it('refuses unknown categories and out-of-range thresholds in the policy file', () => {
    const result = validateConfig(
      { council: { name: 'X', domains: ['x.gov.uk'] }, filters: { [ID]: { categories: { threats: { threshold: 0.5 }, threat: { threshold: 2 } } } } },
      'policy.yaml',
    );
    expect('problems' in result && result.problems.map((problem) => problem.path)).toEqual(
      expect.arrayContaining(['filters.abusive-language.categories', 'filters.abusive-language.categories.threat.threshold']),
    );
  });
});

describe('the trained model', () => {
  const file = JSON.parse(readFileSync(modelPath(), 'utf8')) as ModelFile;
  const vectorsFile = JSON.parse(readFileSync(vectorsPath(), 'utf8')) as WordVectorsFile;
  const vectors = WordVectors.fromFile(vectorsFile);

  it('is versioned, small, and records when, how and from what it was trained', () => {
    expect(file.format).toBe(MODEL_FORMAT);
    expect(file.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(Number.isNaN(Date.parse(file.trainedAt))).toBe(false);
    expect(file.trainingScript).toBe('scripts/train-abusive-language.ts');
    expect(file.sources.map((source) => source.name).sort()).toEqual(['convabuse', 'corpus', 'corpus-background', 'davidson-hate-offensive', 'enron-intent', 'olid', 'word-vectors']);
    for (const source of file.sources) expect(source.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(file.sources)).not.toMatch(/toxicr|corpus\/dev|testset|test\.csv/i);
    expect(statSync(modelPath()).size).toBeLessThan(6 * 1024 * 1024);
    expect(file.metrics.operatingPoint).toBeGreaterThan(0);
    expect(Object.keys(file.categories).sort()).toEqual(expect.arrayContaining(['discriminatory', 'employment-threat', 'harassment', 'personal-attack', 'ridicule', 'sexual-harassment', 'threat']));
  });

  it('was trained on the corpus that is in the repository now', async () => {
    const { corpusFiles, sha256Of } = await import('../../../scripts/abusive-language/data.js');
    const everyday = (path: string): boolean => basename(path).startsWith('background-');
    expect(file.sources.find((source) => source.name === 'corpus')?.sha256).toBe(sha256Of(...corpusFiles('train').filter((path) => !everyday(path))));
    expect(file.sources.find((source) => source.name === 'corpus-background')?.sha256).toBe(sha256Of(...corpusFiles('train').filter(everyday)));
  });

  it.skipIf(!hasSharedData('olid'))('was trained on the OLID file that is there now', async () => {
    const { sha256Of } = await import('../../../scripts/abusive-language/data.js');
    const olid = file.sources.find((source) => source.name === 'olid');
    expect(olid?.sha256).toBe(sha256Of(sharedDataPath('olid', 'olid-training-v1.0.tsv')));
  });

  // tweets are not what it is for: council mail weighs 30 times as much in training (0.753 when shipped)
  it.skipIf(!hasSharedData('olid'))('ranks the OLID test split (ROC-AUC ≥ 0.70; the full figures are in npm run eval)', async () => {
    const { readOlidTest, rocAuc } = await import('../../../scripts/abusive-language/data.js');
    const test = readOlidTest();
    const scores = test.map((item) => scoreText(item.text).score);
    expect(rocAuc(scores, test.map((item) => item.label))).toBeGreaterThanOrEqual(0.7);
  });

  it('keeps its word vectors beside it, with where they came from', () => {
    expect(vectorsFile.format).toBe('word-vectors/1');
    expect(vectorsFile.source.licence).toBe('PDDL 1.0');
    expect(vectorsFile.clusters).toBeGreaterThan(100);
    // words of like meaning share a cluster; a word the training data never had is read like them
    expect(vectors.clusterOf('imbecile')).toBeDefined();
    expect(vectors.clusterOf('imbecile')).toBe(vectors.clusterOf('moron'));
    expect(vectors.clusterOf('cockroaches')).toBe(vectors.clusterOf('vermin'));
    expect(vectors.clusterOf('spreadsheet')).not.toBe(vectors.clusterOf('vermin'));
    expect(vectors.clusterOf('xqzvw')).toBeUndefined();
  });

  // the regression alone; network.test.ts checks how the network's logit is mixed in
  const regressionOnly = (): ModelFile => {
    const { combination: _network, ...rest } = file;
    return rest;
  };

  it('rates a sentence as the sum of its named features, without building their names', () => {
    const model = modelFromFile(regressionOnly(), vectors);
    const vocabulary = decodeVocabulary();
    for (const text of ['You are a useless idiot!!', 'Thanks, the f***ing report is late again @USER', 'Could you let me know the programme?', '', '...']) {
      const tokens = tokenize(text, vocabulary);
      const structure = ['s:mark:you', 'd:personal-attack', 's:length-short'];
      const expected = sigmoid(headScore(file.abuse, featureOccurrences(tokens, vectors), structure, denseFeatures(tokens, vectors)));
      expect(model.probability([model.words(tokens)], structure)).toBeCloseTo(expected, 5);
    }
  });

  it('rates two sentences read as one as it rates their tokens together, without reading them again', () => {
    const model = modelFromFile(regressionOnly(), vectors);
    const first = readSentence('I sit on the appointments panel.', namesOf([]));
    const second = readSentence('Think very carefully about your recommendation.', namesOf([]));
    const pair = pairReading(first, second);
    const expected = sigmoid(headScore(file.abuse, featureOccurrences(pair.tokens, vectors), pair.structure, denseFeatures(pair.tokens, vectors)));
    expect(model.probability([model.words(first.tokens), model.words(second.tokens)], pair.structure)).toBeCloseTo(expected, 5);
  });

  it('reads a sentence it rates abusive into categories that add up to one, most likely first', () => {
    const model = modelFromFile(regressionOnly(), vectors);
    const categories = model.categories(tokenize('I sit on the panel that decides whether you pass probation.', decodeVocabulary()), ['s:mark:you']);
    expect(categories.reduce((sum, [, share]) => sum + share, 0)).toBeCloseTo(1, 6);
    expect(categories.map(([, share]) => share)).toEqual([...categories.map(([, share]) => share)].sort((a, b) => b - a));
  });
});

describe('hostile input', () => {
  // far above a normal message (a few ms) and far below what unbounded matching would take
  const LIMIT_MS = 3_000;

  it.each([
    ['spaced letters', 'f . u . c . k '.repeat(40_000)],
    ['masks', `a${'*'.repeat(200_000)}`],
    ['one endless word', 'x'.repeat(300_000)],
    ['quotes', '"'.repeat(100_000)],
    ['contractions and prototype keys', "constructor __proto__ toString hasOwnProperty you're won't ".repeat(10_000)],
    ['linking words', `you ${'are so very '.repeat(30_000)}useless`],
    ['no spaces or punctuation', 'idiot'.repeat(60_000)],
  ])('%s: screened in bounded time', async (_name, body) => {
    const started = performance.now();
    const result = await screenText(body);
    expect(performance.now() - started).toBeLessThan(LIMIT_MS);
    expect(result.findings.filter((finding) => finding.filter === 'screening-error')).toEqual([]);
  });

  it('screens only maxScreenedChars of new text', async () => {
    const padding = 'The committee met on Tuesday to discuss the budget. '.repeat(600);
    expect(await rulesFor(`${padding}\n\nYou are a useless idiot.`)).toEqual([]);
    const wider = configWith({ filters: { [ID]: { maxScreenedChars: 100_000 } } });
    expect(await rulesFor(`${padding}\n\nYou are a useless idiot.`, { config: wider })).toEqual(['PERSONAL_ATTACK']);
  });

  it('splits sentences with exact offsets, and keeps each one bounded', () => {
    const text = 'Dear Rachel,\nThe report is late. Why?\n\nRegards';
    expect(sentencesOf(text).map((sentence) => text.slice(sentence.start, sentence.end))).toEqual(['Dear Rachel,', 'The report is late.', 'Why?', 'Regards']);
    const long = `${'word '.repeat(2_000)}end`;
    expect(Math.max(...sentencesOf(long).map((sentence) => sentence.end - sentence.start))).toBeLessThanOrEqual(400);
  });
});

describe('abusive-language filter contract', () => {
  it('is registered after the protocol filters and declares every rule it emits', () => {
    const ids = filters.map((filter) => filter.id);
    for (const protocolFilter of ['blind-copy', 'obligation', 'pre-election']) expect(ids.indexOf(ID)).toBeGreaterThan(ids.indexOf(protocolFilter));
    expect(abusiveLanguageFilter.protocolRefs).toEqual(['3.8', '21.9.3', '10.2.1']);
    expect(abusiveLanguageFilter.rules.map((rule) => rule.code)).toEqual(expect.arrayContaining(Object.keys(PROTOCOL_REF)));
  });

  it('ships its model beside the filter', () => {
    expect(modelPath().endsWith(join('filters', 'abusive-language', 'model.json'))).toBe(true);
  });
});

describe('abusive-language on the other filters\' council mail', () => {
  // none of these was written to be abusive: a finding here would put ordinary mail in front of the MO
  const folders = ['blind-copy', 'obligation', 'pre-election', 'sla'];

  it.each(folders)('raises nothing in fixtures/%s', async (folder) => {
    const config = exampleConfig();
    const fired: string[] = [];
    for (const file of fixtureFiles(folder)) {
      const result = await screenFixture(await loadFixture(folder, file), config);
      for (const finding of findingsOf(result, 'abusive-language')) fired.push(`${file}: ${finding.rule} "${finding.evidence[0]?.text ?? ''}"`);
    }
    expect(fired).toEqual([]);
  });

  it('still reads "you have been told." said to someone as a veiled threat, but not reported speech', () => {
    expect(scoreText('I will not say it again. You have been told.').flagged).toContain('threat');
    expect(scoreText('Some of you have been told by the contractor that the Council will pay, which is not correct.').flagged).toEqual([]);
  });
});
