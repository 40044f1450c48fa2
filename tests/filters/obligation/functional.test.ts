import { describe } from 'vitest';
import { exampleConfig } from '../../helpers/config.js';
import { exampleSetup, functionalTables } from '../language/tables.js';
import { CAPABILITIES } from './cases.js';

/**
 * The functional tables (cases.ts), each case sent as scripts/eval/language-splits.ts says
 * (a member to a resident) and screened under the example policy. For each table, the least
 * number of its cases the shipped filter flags ('flag' tables) or the most it flags ('pass'
 * tables): a change that makes the filter find less, or flag more of what it must not, fails here.
 * The aim is higher: at least 90% of the 'flag' cases, and no 'pass' table above 10%;
 * `npm run eval` prints where each table stands.
 */
const SHIPPED: Readonly<Record<string, number>> = {
  'commitments of council money': 12,
  'promises of council action': 11,
  'waivers and promises not to act': 12,
  "acceptances on the council's behalf": 11,
  'instructions to staff or contractors': 10,
  "letters pasted into the body in the member's name": 8,
  'conditional and negated forms that still bind': 7,
  'raising it with officers': 0,
  'opinions and support': 0,
  "relaying an officer's or cabinet decision": 1,
  'conditional on proper approval': 1,
  'negated commitments': 1,
  'personal commitments': 0,
  'questions and hypotheticals': 0,
};
/** the least of all 'flag' tables together that must be flagged */
const LEAST_RECALL = 0.8;

describe('functional tables', () => {
  functionalTables('obligation', CAPABILITIES, SHIPPED, LEAST_RECALL, exampleSetup(exampleConfig));
});
