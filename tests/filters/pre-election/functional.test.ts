import { describe } from 'vitest';
import { exampleConfig } from '../../helpers/config.js';
import { exampleSetup, functionalTables } from '../language/tables.js';
import { CAPABILITIES } from './cases.js';

/**
 * The functional tables (cases.ts), each case sent as scripts/eval/language-splits.ts says
 * (an officer to a residents' list, outside the pre-election period) and screened under the example policy. For each table, the least
 * number of its cases the shipped filter flags ('flag' tables) or the most it flags ('pass'
 * tables): a change that makes the filter find less, or flag more of what it must not, fails here.
 * The aim is higher: at least 90% of the 'flag' cases, and no 'pass' table above 10%;
 * `npm run eval` prints where each table stands.
 */
const SHIPPED: Readonly<Record<string, number>> = {
  'praise of a party or its record': 11,
  'attacks on a party or its record': 9,
  "promises in a party's name": 11,
  'crediting a party or party-led cabinet for council services': 9,
  'appeals to vote, join, donate or campaign': 11,
  'nicknames and short forms': 11,
  'candidates promoted or attacked': 10,
  'comparisons between parties': 12,
  'council business naming party groups': 0,
  'committee places and political balance': 0,
  'election notices, nominations and results': 1,
  'neutral reports of party actions': 0,
  'party words in other senses': 0,
  'negated or disowned campaigning': 3,
};
/** the least of all 'flag' tables together that must be flagged */
const LEAST_RECALL = 0.85;

describe('functional tables', () => {
  functionalTables('pre-election', CAPABILITIES, SHIPPED, LEAST_RECALL, exampleSetup(exampleConfig));
});
