import { describe, expect, it } from 'vitest';
import { compilePatterns, findPatterns, requiredWords } from '../../filters/shared/token-pattern.js';
import { tokenise } from '../../filters/shared/tokens.js';

describe('token patterns', () => {
  const set = compilePatterns(['(council|authority) (is|are) (committed|prepared|willing) to', 'purchase order (number|no)? #num', 'the? (fee|charge) (is|was) waived']);

  it('finds matches that open with an optional word or without it', () => {
    const text = 'The fee is waived, and purchase order 4471 follows.';
    const matches = findPatterns(tokenise(text), set).map((match) => match.pattern.source);
    expect(matches).toEqual(['the? (fee|charge) (is|was) waived', 'purchase order (number|no)? #num']);
    expect(findPatterns(tokenise('A charge was waived.'), set)).toHaveLength(1);
  });

  it('names, for each pattern, words a match cannot do without, avoiding common ones', () => {
    const words = requiredWords(set);
    expect(words && [...words].sort()).toEqual(['committed', 'order', 'prepared', 'waived', 'willing']);
    // a sentence without any of them matches nothing, however close it comes
    for (const text of ['The council is minded to agree.', 'Purchase number 12.', 'The fee is paid.']) {
      expect([...tokenise(text)].some((token) => words?.has(token.lower))).toBe(false);
      expect(findPatterns(tokenise(text), set)).toEqual([]);
    }
  });

  it('cannot name required words when a pattern needs none', () => {
    expect(requiredWords(compilePatterns(['waived', '_ #num']))).toBeUndefined();
  });
});
