import type { Filter } from '../src/finding.js';
import { abusiveLanguageFilter } from './abusive-language/index.js';
import { blindCopy } from './blind-copy.js';
import { obligation } from './obligation/index.js';
import { preElection } from './pre-election/index.js';

/**
 * The registry: every filter the gateway runs, in order. Explicit imports only, so what runs is
 * visible here and checked by the compiler.
 */
export const filters: readonly Filter[] = [blindCopy, obligation, preElection, abusiveLanguageFilter];
