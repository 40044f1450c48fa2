import { expect, it } from 'vitest';
import { fixtureFiles } from './protocol-fixtures.js';

// kept apart from protocol-fixtures.ts, which the evaluation script also loads outside vitest
/** The test that every fixture in `folder` is either expected to flag or expected to pass, and that there are at least 15. */
export function itExpectsEveryFixture(folder: string, flagged: readonly string[], passes: readonly string[]): void {
  it('has an expectation for every fixture, and at least 15 fixtures', () => {
    const files = fixtureFiles(folder);
    expect(files.length).toBeGreaterThanOrEqual(15);
    expect([...flagged, ...passes].sort()).toEqual(files);
  });
}
