import { devSplitTests } from '../language/tables.js';

/**
 * The party-political corpus's dev split, each item sent as an officer's mail to a residents' list outside the pre-election period. The floors are just below what the
 * shipped filter reaches (precision 97.9%, recall 82.5%), so a change that makes it find less, or flag more of what it
 * must not, fails here; the aim is precision and recall of at least 0.9. `npm run eval` prints the
 * figures and what was missed.
 */
devSplitTests('pre-election', 0.95, 0.8);
