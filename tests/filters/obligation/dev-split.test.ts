import { devSplitTests } from '../language/tables.js';

/**
 * The obligation corpus's dev split, each item sent as a member's mail to a resident. The floors are just below what the
 * shipped filter reaches (precision 97.1%, recall 65.7%), so a change that makes it find less, or flag more of what it
 * must not, fails here; the aim is precision and recall of at least 0.9. `npm run eval` prints the
 * figures and what was missed.
 */
devSplitTests('obligation', 0.95, 0.64);
