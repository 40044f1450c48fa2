import type { Category } from './categories.js';
import type { DecodeVocabulary } from './text.js';

/**
 * Word lists and phrase patterns for the abusive-language filter, written for the register of
 * council correspondence (British English first). Weights are confidences 0..1 before context
 * (target, negation, quotation) and the trained model adjust them.
 *
 * Words are matched as whole tokens after obfuscation is undone, never as substrings, so
 * Scunthorpe, Penistone, Essex, "assess" and "cocktail" never match. A few roots are matched as
 * word beginnings (fucking, shitty); their false friends are listed in PREFIX_EXCEPTIONS.
 *
 * This file necessarily contains slurs and obscenities: a filter cannot recognise words it does
 * not know.
 */

/** Swear words and their strength: ≥ 0.5 strong (flagged when not aimed at anyone), below mild. */
export const PROFANITY: ReadonlyMap<string, number> = new Map([
  ...forms(0.8, 'fuck', 'fucks', 'fucked', 'fucker', 'fuckers', 'fucking', 'fuckin', 'fuckwit', 'fuckwits', 'fuckhead', 'fuckface', 'fucktard'),
  ...forms(0.8, 'motherfucker', 'motherfuckers', 'motherfucking', 'fck', 'fcking', 'fckin', 'fking', 'fkin', 'fkn', 'fuk', 'fuking', 'fukin', 'fvck', 'phuck', 'phuk', 'fuq'),
  ...forms(0.75, 'shit', 'shits', 'shitty', 'shitting', 'shithead', 'shitheads', 'shitshow', 'shitstorm', 'bullshit', 'bullshitting', 'horseshit', 'dipshit', 'batshit', 'apeshit', 'piece-of-shit'),
  ...forms(0.9, 'cunt', 'cunts', 'cunting', 'cuntish'),
  ...forms(0.75, 'twat', 'twats', 'twatting', 'wank', 'wanks', 'wanker', 'wankers', 'wanking', 'wanky', 'wankstain'),
  ...forms(0.7, 'arsehole', 'arseholes', 'asshole', 'assholes', 'dickhead', 'dickheads', 'knobhead', 'knobheads', 'bellend', 'bellends', 'cocksucker', 'cocksuckers', 'dumbass', 'jackass', 'smartass', 'smartarse'),
  ...forms(0.7, 'bitch', 'bitches', 'bitching', 'bitchy', 'bastard', 'bastards', 'tosser', 'tossers', 'shite', 'stfu', 'gtfo'),
  ...forms(0.55, 'bollocks', 'bollock', 'bollocking', 'wtf', 'ffs', 'omfg', 'fcuk', 'pisstake', 'piss-poor', 'turd', 'turds'),
  ...forms(0.45, 'goddamn', 'goddamned', 'goddam', 'piss', 'pissing', 'pissed', 'arse', 'arsed', 'tits', 'fook', 'feckin', 'fecking'),
  ...forms(0.35, 'damn', 'damned', 'dammit', 'damnit', 'crap', 'crappy', 'crapping', 'bloody', 'bugger', 'buggered', 'buggering', 'ass', 'feck', 'sod', 'sodding'),
  ...forms(0.25, 'hell', 'sucks', 'sucky', 'effing', 'frigging', 'friggin', 'freaking'),
]);

/** roots matched as word beginnings: "fuckwittery", "shitfaced" */
export const PROFANE_PREFIXES: ReadonlyArray<readonly [string, number]> = [
  ['motherfuck', 0.8],
  ['fuck', 0.8],
  ['shit', 0.75],
  ['cunt', 0.9],
  ['wank', 0.75],
  ['bullshit', 0.75],
];

/** words that begin with a profane root but are not profane: place names, surnames, engines */
export const PREFIX_EXCEPTIONS: ReadonlySet<string> = new Set(['shitterton', 'shittim', 'shitake', 'wankel', 'wankie']);

/** place names and words that merely contain something rude; never matched, listed so tests can prove it */
export const FALSE_FRIEND_WORDS: readonly string[] = [
  'scunthorpe', 'penistone', 'cockermouth', 'shitterton', 'twatt', 'clitheroe', 'crapstone', 'middlesex', 'essex', 'sussex',
  'assess', 'assessment', 'assistant', 'passion', 'cocktail', 'hancock', 'dickens', 'dickinson', 'shuttlecock', 'peacock',
  'analysis', 'therapist', 'grape', 'classic', 'bass', 'basement', 'titter', 'title', 'hello', 'shell', 'scrap', 'skyscraper',
];

/** nouns that insult a person; weight when clearly aimed at someone */
export const INSULT_NOUNS: ReadonlyMap<string, number> = new Map([
  ...forms(0.85, 'idiot', 'idiots', 'moron', 'morons', 'imbecile', 'imbeciles', 'cretin', 'cretins', 'halfwit', 'halfwits', 'dimwit', 'dimwits', 'simpleton', 'thicko'),
  ...forms(0.85, 'dumbass', 'jackass', 'scumbag', 'scumbags', 'scum', 'lowlife', 'dolt', 'airhead', 'bimbo', 'nonentity', 'non-entity', 'nonce', 'paedo'),
  ...forms(0.85, 'tosser', 'tossers', 'wanker', 'wankers', 'dickhead', 'dickheads', 'arsehole', 'arseholes', 'asshole', 'assholes', 'twat', 'twats', 'cunt', 'cunts'),
  ...forms(0.85, 'knobhead', 'bellend', 'bastard', 'bastards', 'bitch', 'bitches', 'prick', 'pricks', 'motherfucker', 'fuckwit', 'shithead', 'cocksucker', 'fucker'),
  ...forms(0.8, 'parasite', 'parasites', 'vermin', 'waste-of-space', 'nutter', 'psycho', 'dick', 'dicks'),
  ...forms(0.7, 'numpty', 'numpties', 'buffoon', 'buffoons', 'nincompoop', 'dunce', 'loser', 'losers', 'pillock', 'plonker', 'prat', 'prats', 'git', 'gits', 'knob', 'dipstick', 'oaf', 'bozo'),
  ...forms(0.7, 'liar', 'liars', 'disgrace', 'coward', 'cowards', 'crook', 'crooks', 'leech', 'leeches', 'lunatic', 'lunatics'),
  ...forms(0.6, 'muppet', 'muppets', 'clown', 'clowns', 'fool', 'fools', 'twit', 'twits', 'jobsworth', 'jobsworths', 'fraud', 'hypocrite', 'hypocrites', 'snake', 'weasel', 'pig', 'cow', 'pest', 'maniac', 'dinosaur'),
  ...forms(0.55, 'joke', 'laughing-stock', 'laughingstock', 'nobody'),
]);

/** adjectives that insult a person; weight when clearly aimed at someone */
export const INSULT_ADJECTIVES: ReadonlyMap<string, number> = new Map([
  ...forms(0.85, 'brainless', 'worthless', 'moronic', 'idiotic', 'gormless', 'braindead', 'brain-dead', 'dim-witted', 'dimwitted', 'half-witted', 'halfwitted', 'repulsive', 'vile', 'despicable', 'contemptible'),
  ...forms(0.8, 'incompetent', 'useless', 'stupid', 'stupidest', 'dumb', 'bitchy', 'slimy', 'sleazy'),
  ...forms(0.75, 'pathetic', 'clueless', 'lazy', 'laziest', 'inept', 'spineless', 'gutless', 'disgusting', 'two-faced', 'ugly', 'fat', 'feckless', 'senile', 'deranged', 'pitiful'),
  ...forms(0.65, 'hopeless', 'deceitful', 'obnoxious', 'unhinged', 'creepy', 'rubbish', 'crap', 'shit', 'shite'),
  ...forms(0.6, 'ignorant', 'dishonest', 'corrupt', 'crooked', 'dense', 'devious', 'daft', 'foolish', 'untrustworthy', 'incapable'),
  ...forms(0.55, 'arrogant', 'pompous', 'smug', 'silly', 'shameless', 'sneaky', 'dim', 'mental'),
  ...forms(0.45, 'thick'),
  ...forms(0.35, 'crazy', 'insane', 'nuts'),
]);

/** qualities that insult when they are someone's: "your incompetence" */
export const INSULT_QUALITIES: ReadonlyMap<string, number> = new Map([
  ...forms(0.85, 'stupidity', 'idiocy', 'uselessness'),
  ...forms(0.75, 'incompetence', 'laziness', 'ineptitude', 'ineptness', 'cowardice'),
  ...forms(0.6, 'ignorance', 'arrogance', 'dishonesty', 'hypocrisy'),
]);

/**
 * insults that are also ordinary words or names ("Dick Whittington", "git pull", "Jeff Crook"):
 * only in lower case, after a word that makes them a noun ("you git", "a stupid cow"), and only
 * when someone is clearly the target
 */
export const NAME_LIKE_INSULTS: ReadonlySet<string> = new Set([
  'dick', 'dicks', 'git', 'gits', 'muppet', 'muppets', 'knob', 'knobs', 'prick', 'pricks', 'cow', 'cows', 'pig', 'pigs', 'snake', 'snakes', 'weasel', 'weasels', 'crook',
  'crooks', 'fool', 'fools', 'joke', 'clown', 'clowns', 'nobody', 'dinosaur', 'dinosaurs', 'nonce', 'pest', 'pests', 'fraud', 'leech', 'leeches', 'parasite', 'parasites',
]);

/**
 * Slurs about a protected characteristic (race, religion, sexual orientation, gender identity,
 * disability, sex). Reported wherever they are used, unless quoted or mentioned as a word.
 */
export const SLURS: ReadonlyMap<string, number> = new Map([
  ...forms(0.95, 'nigger', 'niggers', 'nigga', 'niggas', 'coon', 'coons', 'wog', 'wogs', 'paki', 'pakis', 'chink', 'chinks', 'gook', 'gooks', 'spic', 'spics', 'kike', 'kikes', 'yid', 'yids'),
  ...forms(0.95, 'raghead', 'ragheads', 'towelhead', 'towelheads', 'darkie', 'darkies', 'golliwog', 'golliwogs', 'sambo', 'wetback', 'wetbacks', 'gyppo', 'gyppos', 'gypo', 'pikey', 'pikeys', 'muzzie', 'muzzies'),
  ...forms(0.9, 'faggot', 'faggots', 'poof', 'poofs', 'poofter', 'poofters', 'lesbo', 'lesbos', 'shemale', 'tranny', 'trannies', 'batty-boy'),
  ...forms(0.9, 'retard', 'retards', 'retarded', 'spastic', 'spastics', 'spaz', 'spazz', 'mong', 'mongs', 'mongoloid', 'window-licker'),
  ...forms(0.85, 'slut', 'sluts', 'whore', 'whores', 'slapper', 'slappers', 'skank', 'skanks', 'subhuman', 'sub-human', 'untermensch', 'half-caste'),
  ...forms(0.6, 'fag', 'fags', 'dyke', 'dykes', 'homo', 'homos', 'slag', 'slags', 'chav', 'chavs', 'inbred', 'pleb', 'plebs', 'cripple', 'cripples', 'jap', 'japs', 'queer'),
]);

/** slurs with an everyday meaning (a cigarette, a ditch, slag heaps): only when aimed at a person */
export const AMBIGUOUS_SLURS: ReadonlySet<string> = new Set(['fag', 'fags', 'dyke', 'dykes', 'homo', 'homos', 'slag', 'slags', 'cripple', 'cripples', 'jap', 'japs', 'queer', 'pleb', 'plebs', 'chav', 'chavs', 'inbred', 'coon', 'coons', 'mong', 'mongs']);

/** the words before a name-like insult that make it an insult: "you prick", "a right git" */
export const INSULT_DETERMINERS: ReadonlySet<string> = new Set([
  'a', 'an', 'you', 'such', 'stupid', 'silly', 'old', 'total', 'complete', 'utter', 'absolute', 'little', 'fat', 'lazy', 'bloody', 'fucking', 'arrogant',
  'ignorant', 'right', 'proper', 'useless', 'pathetic', 'lying', 'thieving', 'bent', 'two-faced', 'miserable', 'ugly', 'dirty', 'sneaky', 'jumped-up', 'pompous',
]);

/** "idiot proof", "fool's errand", "snake oil": an insult noun used to build another word */
export const INSULT_COMPOUNDS: ReadonlySet<string> = new Set([
  'idiot proof', 'idiot proofs', 'idiot proofing', 'idiot-proof', 'idiot savant', 'idiot light', 'idiot lights', 'idiot box', 'idiot check', 'fool proof', "fool 's",
  'fools gold', 'snake oil', 'pig iron', 'cow parsley', 'clown fish', 'joke is', 'joke was', 'dinosaur park', 'pest control', 'nobody else', 'nobody has',
  'nobody is', 'nobody was', 'nobody will', 'nobody would', 'nobody can', 'nobody knows', 'nobody in', 'fraud team', 'fraud officer', 'fraud investigation', 'fraud department',
]);

/** words after "bitch" that make it the verb, to complain: "bitch about", "bitch and moan" */
export const COMPLAINING_VERB_FOLLOWERS: ReadonlySet<string> = new Set(['about', 'at', 'like', 'and', 'that']);

/** adjectives that are not insults before these words: "ignorant of the rule", "incapable of entering" */
export const INNOCENT_BEFORE: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  ['ignorant', new Set(['of'])],
  ['incapable', new Set(['of'])],
  ['thick', new Set(['enough', 'skin', 'skinned', 'of', 'layer', 'snow', 'fog', 'with'])],
  ['dense', new Set(['housing', 'development', 'urban', 'areas', 'area', 'populated', 'fog', 'traffic', 'enough'])],
  ['fat', new Set(['content', 'chance', 'lot'])],
  ['mental', new Set(['health', 'capacity', 'wellbeing', 'illness', 'note', 'notes'])],
  ['weak', new Set(['signal', 'link'])],
  // the verb: "he will bitch about it", "bitches at everyone"
  ['bitch', COMPLAINING_VERB_FOLLOWERS],
  ['bitches', COMPLAINING_VERB_FOLLOWERS],
]);

/**
 * Swear words that are also a verb meaning "complain", and the words that show the verb: a subject
 * or auxiliary before it ("Guido will bitch like hell", "he bitches"), or a follower after it.
 * "you" is left out of the subjects: "you bitch" is the insult.
 */
export const COMPLAINING_VERBS: ReadonlySet<string> = new Set(['bitch', 'bitches', 'bitched', 'bitching']);
export const VERB_SUBJECTS: ReadonlySet<string> = new Set(['i', 'we', 'he', 'she', 'they', 'will', "'ll", 'to', 'would', "'d", 'can', 'could', 'should', 'might', 'must', 'always', 'never', 'gonna', 'people']);

/**
 * Swear nouns for stuff or nonsense: after "his", "her" or "their" they name what someone has or
 * does ("she should take his shit", "their crap"), which is swearing, but not at anyone.
 */
export const SWEAR_MASS_NOUNS: ReadonlySet<string> = new Set(['shit', 'crap', 'bullshit', 'horseshit', 'shite']);
export const THIRD_PERSON_POSSESSIVES: ReadonlySet<string> = new Set(['his', 'her', 'their']);

/** groups by a protected characteristic or origin, for generalisations ("all X are Y") */
export const IDENTITY_GROUPS: ReadonlySet<string> = new Set([
  'immigrants', 'immigrant', 'migrants', 'migrant', 'refugees', 'refugee', 'foreigners', 'foreigner', 'muslims', 'muslim', 'jews', 'jew', 'christians',
  'hindus', 'sikhs', 'blacks', 'whites', 'asians', 'africans', 'indians', 'pakistanis', 'poles', 'romanians', 'bulgarians', 'albanians', 'gypsies',
  'travellers', 'roma', 'gays', 'lesbians', 'homosexuals', 'transgender', 'trans', 'women', 'females', 'girls', 'disabled', 'pensioners',
  'catholics', 'irish', 'scots', 'chinese', 'arabs', 'somalis', 'nigerians', 'europeans',
]);

/**
 * Words that name a group by a protected characteristic or origin, as nouns and as adjectives ("gay
 * men", "Polish workers", "the elderly"): whether a sentence speaks of such a group at all.
 */
export const IDENTITY_WORDS: ReadonlySet<string> = new Set([
  ...IDENTITY_GROUPS,
  'gay', 'lesbian', 'bisexual', 'bi', 'queer', 'lgbt', 'lgbtq', 'homosexual', 'transsexual', 'transgendered', 'non-binary', 'nonbinary',
  'black', 'white', 'asian', 'african', 'caribbean', 'indian', 'pakistani', 'bangladeshi', 'chinese', 'arab', 'arabic', 'somali', 'nigerian', 'ethnic', 'minority', 'minorities',
  'jewish', 'hindu', 'sikh', 'christian', 'catholic', 'protestant', 'islamic', 'islam', 'religious', 'religion',
  'polish', 'romanian', 'bulgarian', 'albanian', 'lithuanian', 'european', 'eastern', 'scottish', 'welsh', 'english', 'british', 'foreign', 'gypsy', 'traveller', 'romany',
  'asylum', 'seekers', 'disabled', 'disability', 'deaf', 'blind', 'autistic', 'wheelchair', 'mentally', 'elderly', 'pensioner', 'female', 'male', 'woman', 'women', 'men',
]);

/**
 * Words that name or point to a protected characteristic (age, disability, race, religion, sex,
 * sexuality, gender identity, pregnancy, origin): discrimination is about one of these, so a
 * sentence read as discriminatory must have one.
 */
export const CHARACTERISTIC_WORDS: ReadonlySet<string> = new Set([
  ...IDENTITY_WORDS,
  'age', 'aged', 'old', 'older', 'oldest', 'young', 'younger', 'youngsters', 'youngster', 'elderly', 'pensioner', 'sixty', 'seventy', 'fifty', 'retire', 'retirement', 'generation',
  'accent', 'accents', 'headscarf', 'headscarves', 'hijab', 'niqab', 'burka', 'burqa', 'turban', 'veil', 'yarmulke', 'kippah', 'mosque', 'church', 'synagogue', 'temple', 'gurdwara', 'faith', 'prayer', 'prayers', 'ramadan',
  'wheelchair', 'stammer', 'stutter', 'dyslexic', 'dyslexia', 'adhd', 'disability', 'disabilities', 'mental', 'depression', 'anxiety', 'crutches', 'impairment', 'hearing',
  'pregnant', 'pregnancy', 'maternity', 'menopause', 'menopausal', 'hormonal', 'hormones', 'period', 'baby', 'babies', 'childcare',
  'race', 'racial', 'colour', 'color', 'skin', 'brown', 'ethnicity', 'heritage', 'nationality', 'country', 'countries', 'born', 'home', 'culture', 'cultures', 'english', 'language',
  'gender', 'sex', 'sexuality', 'boyfriend', 'girlfriend', 'husband', 'wife', 'partner', 'man', 'woman', 'girl', 'girls', 'boy', 'boys', 'lady', 'ladies', 'lads', 'bloke', 'blokes',
  'he', 'she', 'him', 'her', 'diversity', 'box', 'boxes', 'quota', 'token', 'tokenism', 'pc', 'woke',
]);

/** what a generalisation says about a group, when it is a smear */
export const GROUP_SMEARS: ReadonlyMap<string, number> = new Map([
  ...forms(0.9, 'vermin', 'animals', 'scum', 'filth', 'subhuman', 'cockroaches', 'rats', 'savages', 'parasites', 'invaders', 'rapists', 'paedophiles', 'terrorists'),
  ...forms(0.85, 'criminals', 'thieves', 'scroungers', 'spongers', 'filthy', 'dirty', 'lazy', 'inferior', 'primitive', 'diseased', 'breed', 'disgusting', 'stupid'),
]);

/** forms of address that demean an adult colleague when used as a vocative */
export const DEMEANING_TERMS: ReadonlyMap<string, number> = new Map([
  ...forms(0.75, 'sweetheart', 'sweetie', 'sweetpea', 'darling', 'darlin', 'babe', 'baby', 'honey', 'hun', 'poppet', 'princess', 'dearie', 'girlie', 'missy', 'sonny', 'doll', 'dolly', 'petal'),
  ...forms(0.7, 'love', 'luv', 'dear', 'pet', 'sunshine', 'sugar', 'chick', 'angel', 'flower', 'duck', 'ducky', 'lovey'),
]);
/** two-word forms of address */
export const DEMEANING_PHRASES: ReadonlyArray<readonly [string, number]> = [
  ['young lady', 0.8],
  ['little lady', 0.85],
  ['young man', 0.6],
  ['my girl', 0.75],
  ['good girl', 0.85],
  ['my dear', 0.6],
  ['sweet cheeks', 0.9],
  ['little girl', 0.85],
  ['my love', 0.7],
];

/** words that connect a person to what is said of them: "you are so very …", "she is a complete …" */
export const LINKING_WORDS: ReadonlySet<string> = new Set([
  'am', 'are', 'is', "'s", 'was', 'were', 'be', 'been', 'being', 'look', 'looks', 'looked', 'seem', 'seems', 'seemed', 'sound', 'sounds', 'act', 'acting',
  'remain', 'remains', 'become', 'becoming', 'became', 'really', 'truly', 'so', 'very', 'too', 'such', 'just', 'quite', 'totally', 'completely', 'utterly',
  'absolutely', 'clearly', 'obviously', 'frankly', 'simply', 'incredibly', 'thoroughly', 'genuinely', 'entirely', 'wholly', 'deeply', 'spectacularly', 'a', 'an', 'the',
  'complete', 'total', 'utter', 'absolute', 'proper', 'right', 'real', 'bloody', 'fucking', 'damn', 'bit', 'of', 'and', 'most', 'more', 'little', 'pair', 'bunch',
  'lot', 'load', 'pack', 'pathetic', 'useless', 'incompetent', 'lazy', 'stupid', 'still', 'always', 'all', 'both', 'now', 'again', 'rather', 'pretty', 'somewhat',
  'ever', 'also', 'even', 'actually', 'literally', 'mere', 'nothing', 'but', 'like', 'as', 'typical', 'sheer', 'dumb', 'fat', 'ugly', 'thick', 'old', 'silly', 'dozy',
  'has', 'have', 'had', 'giant', 'massive', 'huge', 'big', 'great', 'may', 'might', 'must', 'could', 'would', 'will', 'should', 'can', 'feel', 'feels', 'felt', 'feeling', 'sound', 'sounded',
]);

/** people a remark can be aimed at besides "you" and names */
export const PERSON_NOUNS: ReadonlySet<string> = new Set([
  'officer', 'officers', 'planner', 'planners', 'clerk', 'manager', 'managers', 'director', 'directors', 'executive', 'ceo', 'councillor', 'councillors',
  'cllr', 'staff', 'colleague', 'colleagues', 'team', 'department', 'employee', 'employees', 'boss', 'woman', 'women', 'man', 'men', 'lady', 'ladies',
  'girl', 'girls', 'boy', 'boys', 'bloke', 'blokes', 'guy', 'guys', 'chap', 'fella', 'person', 'people', 'individual', 'lad', 'lads',
  'leader', 'chairman', 'mayor', 'member', 'members', 'solicitor', 'lawyer', 'engineer', 'inspector', 'secretary', 'assistant', 'admin',
  'receptionist', 'administrator', 'clerks', 'mr', 'mrs', 'ms', 'miss', 'dr', 'sir', 'madam', 'yourself', 'himself', 'herself', 'themselves', '@user',
]);

export const SECOND_PERSON: ReadonlySet<string> = new Set(['you', 'your', 'yours', 'yourself', 'yourselves', 'thee', 'thou']);
export const FIRST_PERSON: ReadonlySet<string> = new Set(['i', 'me', 'my', 'myself', 'mine', 'we', 'us', 'our', 'ourselves']);
export const THIRD_PERSON: ReadonlySet<string> = new Set(['he', 'she', 'him', 'her', 'his', 'hers', 'himself', 'herself']);
/** "they" and "them" are often things, so they count as people only weakly */
export const THIRD_PERSON_PLURAL: ReadonlySet<string> = new Set(['they', 'them', 'their', 'theirs', 'themselves']);

/** nouns naming work, things and situations: criticism of these is not a personal attack */
export const SITUATION_NOUNS: ReadonlySet<string> = new Set([
  'report', 'reports', 'process', 'processes', 'system', 'systems', 'server', 'servers', 'software', 'plan', 'plans', 'proposal', 'proposals', 'idea', 'ideas',
  'decision', 'decisions', 'policy', 'policies', 'response', 'responses', 'reply', 'answer', 'email', 'emails', 'letter', 'letters', 'document', 'documents',
  'scheme', 'application', 'applications', 'service', 'services', 'situation', 'delay', 'delays', 'outcome', 'result', 'results', 'approach', 'argument',
  'suggestion', 'consultation', 'website', 'app', 'code', 'design', 'budget', 'figures', 'data', 'spreadsheet', 'meeting', 'agenda', 'minutes', 'excuse',
  'excuses', 'explanation', 'work', 'job', 'draft', 'version', 'update', 'form', 'forms', 'procedure', 'rule', 'rules', 'law', 'weather', 'traffic', 'road',
  'roads', 'junction', 'pothole', 'potholes', 'bins', 'parking', 'bus', 'train', 'printer', 'computer', 'laptop', 'phone', 'network', 'database', 'file',
  'files', 'it', 'this', 'that', 'these', 'those', 'which', 'thing', 'things', 'stuff', 'state', 'mess', 'communication', 'advice', 'recommendation',
  'assessment', 'survey', 'contract', 'council', 'authority', 'government', 'scrutiny', 'committee', 'portal', 'query', 'complaint', 'question', 'questions',
  'logic', 'reasoning', 'methodology', 'test', 'tests', 'function', 'method', 'patch', 'change', 'changes', 'comment', 'comments', 'fix', 'bug', 'feature',
  'replies', 'answers', 'suggestions', 'arguments', 'explanations', 'requirement', 'requirements', 'restriction', 'restrictions', 'condition', 'conditions',
  'hack', 'statement', 'claim', 'claims', 'request', 'requests', 'procedures', 'layout', 'wording',
]);

/** what people are, not what they made: "your attitude is disgusting" is about the person */
export const PERSON_ATTRIBUTES: ReadonlySet<string> = new Set(['attitude', 'behaviour', 'behavior', 'manner', 'manners', 'tone', 'conduct', 'face', 'personality', 'character', 'brain', 'head', 'mind']);

/** negation cues; "n't" has been expanded to "not" */
export const NEGATORS: ReadonlySet<string> = new Set(['not', 'never', 'no', 'nobody', 'none', 'neither', 'nor', 'without', 'hardly', 'nothing']);
/** negators that do not negate what follows: "not only", "no wonder", "nothing but" */
export const NEGATOR_EXCEPTIONS: ReadonlySet<string> = new Set(['not only', 'not just', 'no wonder', 'no doubt', 'nothing but', 'no better', 'no more', 'not least', 'no less', 'never been so', 'no other']);

/** verbs that report what someone else said or wrote */
export const REPORTING_VERBS: ReadonlySet<string> = new Set([
  'called', 'calling', 'call', 'calls', 'accusing', 'accuses', 'said', 'says', 'saying', 'told', 'tells', 'wrote', 'writes', 'written', 'shouted', 'screamed', 'yelled', 'described', 'referred', 'accused',
  'labelled', 'labeled', 'branded', 'posted', 'tweeted', 'texted', 'messaged', 'emailed', 'claimed', 'claims', 'alleged', 'alleges', 'threatened', 'used', 'uses', 'stated', 'commented',
  'remarked', 'suggested', 'implied', 'implying', 'suggesting', 'insinuated', 'muttered', 'swore', 'sworn', 'heard', 'quoted', 'repeated', 'asked', 'mentioned', 'term', 'word', 'words', 'phrase', 'language',
]);
/** complaint vocabulary: a sentence about abuse received, not abuse given */
export const COMPLAINT_WORDS: ReadonlySet<string> = new Set(['complain', 'complaint', 'complaints', 'allegation', 'allegations', 'alleged', 'incident', 'reported', 'abuse', 'abusive', 'subjected', 'received', 'witnessed', 'overheard']);

/** words of criticism that undermine when aimed at a named officer in front of an audience */
export const CRITICISM_WORDS: ReadonlyMap<string, number> = new Map([
  ...forms(0.7, 'incompetent', 'incompetence', 'useless', 'hopeless', 'negligent', 'negligence', 'disgrace', 'disgraceful', 'shambles', 'shambolic', 'failure', 'failures', 'pathetic', 'inept', 'lazy'),
  ...forms(0.55, 'failed', 'failing', 'fails', 'unprofessional', 'unacceptable', 'appalling', 'blame', 'blamed', 'fault', 'sacked', 'removed', 'resign'),
]);

/**
 * Contempt for someone's work, an idea or a situation ("this is stupid", "what a ridiculous
 * decision", "utter nonsense"): discourteous (21.9.1) though aimed at no one. Criticism in plain
 * terms ("a failure", "inadequate", "wrong", "unacceptable") is robust challenge and is not here.
 * Weights ≥ 0.5 reach the category's default threshold; milder words ("silly", "ugly") stay below.
 */
export const CONTEMPT_ADJECTIVES: ReadonlyMap<string, number> = new Map([
  ...forms(0.75, 'stupid', 'idiotic', 'moronic', 'dumb', 'brainless', 'braindead', 'brain-dead', 'asinine', 'imbecilic', 'cretinous', 'half-witted', 'halfwitted'),
  ...forms(0.7, 'pathetic', 'laughable', 'ludicrous', 'crap', 'crappy', 'farcical', 'risible', 'pitiful'),
  ...forms(0.65, 'ridiculous', 'absurd', 'preposterous', 'rubbish', 'daft'),
  ...forms(0.45, 'silly', 'ugly', 'lame', 'useless', 'gross', 'horrible'),
]);
/** contemptuous nouns for what someone said or made: "utter nonsense", "that is drivel" */
export const CONTEMPT_NOUNS: ReadonlyMap<string, number> = new Map([
  ...forms(0.7, 'drivel', 'twaddle', 'claptrap', 'codswallop', 'balderdash', 'hogwash', 'poppycock', 'tosh', 'tripe', 'baloney', 'bunkum', 'guff'),
  ...forms(0.65, 'nonsense', 'rubbish', 'garbage', 'trash', 'crap'),
]);
/** what such a noun is when it is contempt rather than waste: "utter rubbish", "talking nonsense" */
export const CONTEMPT_NOUN_LEADS: ReadonlySet<string> = new Set(['utter', 'complete', 'total', 'absolute', 'pure', 'arrant', 'such', 'what', 'talking', 'talk', 'talks', 'spouting', 'spout']);
/** "a load of rubbish", "a pile of nonsense": the quantity words before "of" */
export const CONTEMPT_QUANTITIES: ReadonlySet<string> = new Set(['load', 'lot', 'pile', 'heap', 'bunch', 'pack']);
/** words before the contempt that make it the writer's own doubt: "this may be a stupid question", "sorry, silly me" */
export const CONTEMPT_HEDGES: ReadonlySet<string> = new Set(['may', 'might', 'maybe', 'perhaps', 'possibly', 'probably', 'if', 'sorry', 'apologies', 'whether', 'afraid']);

export interface PhraseEntry {
  readonly category: Category;
  readonly weight: number;
  /** the pattern language is described in abuse-patterns.ts */
  readonly patterns: readonly string[];
  /** a short label for the explanation: "threat of violence" */
  readonly label: string;
  /** only counts when the sentence also names or addresses a person */
  readonly needsPerson?: boolean;
  /** an insulting phrase: aimed at whoever an insult word in its place would be aimed at */
  readonly insult?: boolean;
}

/**
 * Phrases, in the pattern language of abuse-patterns.ts: `(a|b c)` alternatives, `[a|b]` optional,
 * `~N` up to N further words, `@YOU` you/your, `@VICTIM` a person as object, `@PERSON` any
 * person, `^` clause start, `$` clause end. Contractions are expanded first ("you'll" is
 * "you will", "won't" is "will not").
 */
export const PHRASES: readonly PhraseEntry[] = [
  // threats and intimidation
  {
    category: 'threat',
    weight: 0.9,
    label: 'threat',
    patterns: [
      'you (will|are going to|shall) regret (this|it|that|crossing me|the day|ever)',
      '(you will|you are going to) be sorry',
      '(i|we) know where (you|your family|your kids|your children|your wife|your husband|he|she) (live|lives|work|works|go|goes)',
      'watch (your back|yourself|your step)',
      '(you have|you have been) (been warned|warned)',
      'consider yourself warned',
      'this is your (last|final) warning',
      '(make|making) your life (hell|a misery|a living hell|unbearable|very difficult|difficult)',
      '(you will|you are going to|i will make you|i am going to make you) pay (for this|for that|for it|dearly)',
      '(i will|i am going to|i would like to|i could|i want to|i am tempted to|someone should|somebody should|someone ought to|i will personally|i could happily|i would happily) (kill|murder|strangle|throttle|punch|thump|smack|slap|batter|beat|kick|hurt|stab|shoot|deck|hit|burn|smash) @VICTIM',
      'break your (neck|legs|arms|nose|face|jaw)',
      '(smash|punch|kick) your (face|head|teeth|lights) [in|out]',
      'knock your (block|head|teeth) off',
      'wring (your|his|her) neck',
      '(you|he|she) (should|ought to|deserves to|deserve to|needs to|need to) be (shot|hanged|hung|killed|strung up|put down|lynched|taken out)',
      '(i will|i am going to|i shall) (come|turn up|pay a visit|call) [round|over|up] (to|at|round) your (house|home|door|front door)',
      '(i will|i am going to|i shall) (come|turn up|call) round your (house|home)',
      '(i will|i shall) be waiting for you',
      'see you outside',
      'you will not know what hit you',
      '(do not|never) (cross|mess with|test) me',
      'you (do not|have no idea) [know] who you are dealing with',
      'it would be a (shame|pity) if (something|anything) (happened|were to happen|was to happen) to (you|your)',
      '(i|we) will find you',
      '(i am|we are) (watching|coming for) you',
      'if you know what is good for you',
      'you are (dead meat|toast) $',
      '(i will|i am going to) (destroy|ruin|crush|bury|finish) you',
      '(i will|i am going to) get you (for this|back)',
      '(i will|i am going to) get even',
      'there will be consequences for you',
    ],
  },
  {
    category: 'threat',
    weight: 0.7,
    label: 'veiled threat',
    needsPerson: true,
    patterns: ['or else $', 'accidents (happen|can happen)', '(i|we) have friends (who|that) (can|could|will|would)', 'you have been told $'],
  },
  // patronising forms of address that are phrases
  {
    category: 'demeaning-address',
    weight: 0.8,
    label: 'patronising address',
    patterns: ['worry your pretty little head', '(there is|that is|be|such) a good (girl|boy)', 'run along', 'calm down (dear|love|sweetheart|darling|dearie|young lady)', 'pretty little head'],
  },
  // threats to someone's job or career
  {
    category: 'employment-threat',
    weight: 0.9,
    label: 'threat to job',
    patterns: [
      '(i will|i shall|i am going to) have your (job|head|badge)',
      '(i will|i shall|i am going to|i will make sure|i will ensure|i will see to it that|i will get) [have] you (sacked|fired|dismissed|removed|disciplined|suspended|demoted|struck off|out)',
      '(have|get) you (sacked|fired|dismissed|disciplined|suspended|demoted)',
      'you (will|are going to) be (sacked|fired|dismissed|disciplined|demoted|out of a job|looking for a new job|looking for another job|unemployed|out on your ear|out the door)',
      'you will not be (here|in this job|in your job|in this post|in your post|in your role|in this role|in your position|working here|employed here|around) ~2 (long|longer|by christmas|by the end|next year)',
      'your (job|post|position|career|future here|days here|contract|role) (is|are|will be) (on the line|at risk|in jeopardy|in danger|numbered|over|finished|hanging by a thread)',
      'your days [here|in this job|in the post] are numbered',
      'you will never work (in|for) (local government|this council|this authority|the council|a council|again)',
      'you will never work again',
      'think [very|long and hard] [carefully|hard] about your (career|future|position|job|prospects)',
      'if you (want to|value|wish to|hope to) keep your (job|career|position|post)',
      '(you should|you need to|you might want to|i suggest you|i would) consider your position',
      '(i want|i expect|i demand|i will be calling for|i am calling for|i will call for) your (resignation|dismissal|removal|sacking)',
      'heads will roll',
      'you are fired',
      '(i will|i am going to|i shall) (speak|talk|write|be speaking|be talking|be writing) to ~4 about (your|you) ~2 (future|position|job|career|continued employment|contract)',
      'you can forget [about] (your|any|that) (promotion|pay rise|career)',
      'you will never (get|be) (promoted|a promotion)',
      '(block|end|finish|ruin|wreck) your (career|promotion|prospects)',
    ],
  },
  // personal attacks that are phrases rather than words
  {
    category: 'personal-attack',
    weight: 0.75,
    label: 'insult',
    patterns: [
      '@PERSON (is|are|was|were) (a|an) ~2 waste of (space|oxygen|skin|air|a salary|money|taxpayers money|a job)',
      '(can|do) you (even|actually) (read|write|think|count|understand english|do your job)',
      '(a|my) (monkey|chimp|child|five year old|5 year old|ten year old|10 year old|toddler) could do (your|this|her|his) job',
      '@YOU (have|has) no (idea|clue) what (you|she|he|they) (are|is) doing',
      '(who|what) [the hell|the fuck] do you think you are',
      '^ [just|oh|now|please|so|and|well] (shut up|shut your mouth|shut your face|shut it) $',
      'you (need to|should|must|can|better|had better) (shut up|shut your mouth)',
      '(get a|grow a) (brain|clue|grip|spine)',
      'pull your finger out',
      'do your (bloody|fucking|damn|effing) job',
      'thick as (two short planks|mince|a brick|pig shit)',
      'not the sharpest (tool|knife)',
      '(a few|two) sandwiches short',
      'piece of (shit|work|garbage|trash)',
      'what (a|an) ~1 (idiot|moron|joke|clown|disgrace|loser|waste of space|tosser|muppet|numpty)',
      '(you|you lot) are a (joke|disgrace|laughing stock)',
      'not fit to (lick|clean|tie) ',
      'not (fit|competent) to (do|hold) (your|this|her|his) job',
      'not up to the job',
      '@YOU (could not|cannot|can not) (organise|run|manage) a (piss up|bun fight|party)',
    ],
    insult: true,
  },
  // discriminatory remarks and stereotypes
  {
    category: 'discriminatory',
    weight: 0.85,
    label: 'discriminatory remark',
    patterns: [
      'go back to (your own country|where you came from|your country|where you belong)',
      '(a|the) (woman|women) \'s place [is]',
      '(a|the) womans place',
      '(women|girls|woman) (can not|do not|never|should not) (understand|do|handle|cope|manage|drive|lead|be trusted|be in charge)',
      '(no|not a) (job|place|role) for a (woman|girl|lady)',
      '(is|are|being|just) (hormonal|menopausal)',
      'time of the month',
      '(typical|just like a) (woman|women|female|foreigner|immigrant|muslim|jew|gay|pensioner|tranny|poof)',
      '(learn to|can not even|cannot even|could not even) speak [proper] english',
      '@PERSON (is|are|\'s|was|were|getting) [a bit|well|really|clearly|now|getting] (too old to|past it|past your sell by date|past her sell by date|past his sell by date|past your sell-by date|past her sell-by date|past his sell-by date)',
      '(old|silly old) (bag|biddy|bat|codger|fogey|trout|woman|fool|git|dear)',
      'that (black|asian|gay|muslim|jewish|polish|foreign|romanian|pakistani|indian|chinese|african|lesbian|coloured|disabled) (woman|man|girl|lady|bloke|guy|chap|fella|one|officer|lad|boy)',
      'coloured (people|person|man|woman|lady|chap|fella|gentleman)',
      'is (she|he) (even|actually) (british|english)',
      '(you|she|he) will [just|only] (get pregnant|go off on maternity)',
      '^ man up',
      'like a (girl|little girl) $',
      '(that is|it is|so|how) gay $',
    ],
  },
  // sexual harassment
  {
    category: 'sexual-harassment',
    weight: 0.85,
    label: 'sexual remark',
    patterns: [
      '@YOU (look|looked|are looking|looking) ~2 (sexy|hot|fit|tasty|ravishing|good enough to eat|gorgeous|stunning|beautiful|pretty|attractive|cute)',
      '(nice|great|lovely|sexy|gorgeous|fantastic|amazing|tight|hot|cracking) (legs|arse|ass|bum|bottom|figure|tits|boobs|breasts|chest|lips|curves|cleavage|body $)',
      'your (legs|arse|ass|bum|bottom|figure|tits|boobs|breasts|chest|lips|curves|cleavage) (look|looked|are|were)',
      '(sexy|fit|hot) (woman|girl|lady|thing|little thing|officer|secretary|planner|clerk)',
      '(sit|sitting) on my (knee|lap)',
      '(sleep|go to bed|get into bed|have sex) with me',
      '(can not|cannot) stop thinking about you',
      '(dream|dreamt|dreamed|fantasise|fantasize) about you',
      'what are you wearing',
      '(wear|put on|wearing) (a|that|something|your) ~1 (short|shorter|tight|tighter|low cut|low-cut|revealing|sexy|see through|see-through) ',
      '(your|her|his) (sex|love) life',
      'who (are you|is she|is he) (sleeping with|seeing|shagging)',
      '(are|is) (you|she|he) (gay|a lesbian|straight|a virgin)',
      '(are you|you) (single|seeing anyone|wearing underwear)',
      'do you have a (boyfriend|girlfriend)',
      '(turn|turns|turned|turning) me on',
      '(i|i really) fancy you',
      'send [me] [a|some] (photo|photos|picture|pictures|pic|pics|selfie) of (yourself|you)',
      '(give|send) (me|us) a (kiss|cuddle|hug) $',
      '(drink|dinner|meal|date|night out|weekend away) (with me|just the two of us|just us two|alone together)',
      '(how about|fancy|what about) (a|an) (drink|dinner|date|night out) ~2 (just the two of us|with me|alone)',
    ],
  },
  // swearing at a person
  {
    category: 'profanity-at-person',
    weight: 0.9,
    label: 'swearing at a person',
    patterns: [
      '(fuck|fucking|screw|sod|bugger) (you|off|yourself|yourselves|the lot of you)',
      '(eff|fuck) off',
      // "that will piss off the record labels" annoys someone; "piss off." and "piss off, you …" tell them to go
      '(piss|sod|bugger|naff|jog) off $',
      '(piss|sod|bugger|naff|jog) off (and|you|back|home|now|then|out|mate)',
      'go (fuck|screw) yourself',
      'up yours',
      'get stuffed',
      'go to hell',
      'kiss my (arse|ass)',
      '(shove|stick) (it|this|that|your|them) ~2 up your (arse|ass|backside)',
      '(i|i do not) [do not] give a (shit|fuck|toss|damn) (about|what) (you|your)',
      'eat shit',
    ],
  },
  // public undermining: criticism before an audience, or the threat of it
  {
    category: 'public-undermining',
    weight: 0.85,
    label: 'public undermining',
    patterns: [
      'so [that] (they|everyone|everybody|all members|all councillors|the whole council|the public|residents|the press|colleagues|your colleagues) [can] (see|know) (what|how) ~2 (you|she|he|they) (are|is|really are|really is)',
      '(copying|copied|cc|ccing|cc\'ing|cc-ing) [in] (all|every|the other|all the) (councillors|members|cabinet members|group leaders) so',
      '(i will|i am going to|i shall|i will be) (go|going|talk|talking|speak|speaking|write|writing) to the (press|papers|media|gazette|newspapers|local paper|bbc) (about you|about your|about her|about him)',
      '(name and shame|naming and shaming)',
      'let (everyone|the public|residents|all members|the press|the whole council) know (what|how) ~2 (you|she|he) (are|is)',
      '(i will|i am going to) make (this|it) public',
    ],
    needsPerson: true,
  },
  // pressure on an officer's professional advice
  {
    category: 'impartiality-pressure',
    weight: 0.85,
    label: 'pressure on professional advice',
    patterns: [
      '(you will|you must|you need to|you have to|you had better|you would better|i want you to|i expect you to|i need you to|i insist you|i insist that you|i am telling you to|make sure you) (change|amend|alter|rewrite|withdraw|reverse|revise|water down|drop|tone down) (your|the) (recommendation|report|advice|assessment|conclusion|conclusions|findings|objection)',
      '^ (change|reverse|withdraw) your (recommendation|advice|conclusion|objection)',
      '(the|your) (report|recommendation) (must|will|has to|needs to|had better) (recommend|support|say|come out in favour|find in favour)',
      '(recommend|support) (approval|refusal) or (else|i will|there will)',
      '(i expect|i want|i need) (a|your) (recommendation|report) (for|of|in favour of|supporting) (approval|refusal)',
      'you will recommend (approval|refusal)',
      '(find|come out) in (my|our) favour or',
    ],
  },
];

function forms(weight: number, ...words: string[]): Array<[string, number]> {
  return words.map((word) => [word, weight]);
}

/** every single word the lexicons know, so that disguised spellings can be read back to them */
export function lexiconWords(): Set<string> {
  const known = new Set<string>();
  for (const map of [PROFANITY, INSULT_NOUNS, INSULT_ADJECTIVES, INSULT_QUALITIES, SLURS]) {
    for (const word of map.keys()) if (/^[a-z]+$/.test(word)) known.add(word);
  }
  return known;
}

/** words a masked spelling (f***, c**t, b*****d) is read as, most common first */
export const MASKABLE: readonly string[] = [
  'fuck', 'fucking', 'fucked', 'fucker', 'fuckers', 'fuckin', 'shit', 'shite', 'shitty', 'bullshit', 'cunt', 'cunts', 'twat', 'bitch', 'bitches', 'bastard',
  'bastards', 'wanker', 'wankers', 'arsehole', 'asshole', 'arse', 'ass', 'dick', 'dickhead', 'piss', 'pissed', 'crap', 'bollocks', 'damn', 'hell', 'tosser',
  'prick', 'motherfucker', 'nigger', 'nigga', 'faggot', 'retard', 'idiot', 'moron', 'slut', 'whore', 'paki',
];

let vocabulary: DecodeVocabulary | undefined;

/** what obfuscated spellings are read back to */
export function decodeVocabulary(): DecodeVocabulary {
  vocabulary ??= { known: lexiconWords(), maskable: MASKABLE };
  return vocabulary;
}
