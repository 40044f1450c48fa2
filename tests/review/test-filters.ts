import type { Filter, Finding } from '../../src/finding.js';

/**
 * Stand-in filters for review tests, so a message can be made to be held or flagged by its
 * subject whatever the real registry holds: "[hold-me]" → test-hold, "[flag-me]" → test-flag.
 */
function markerFilter(id: string, marker: string, protocolRef: string): Filter {
  return {
    id,
    title: `Test filter ${id}`,
    protocolRefs: [protocolRef],
    rules: [{ code: 'MARKER', description: `the subject carries ${marker}`, severity: 'high' }],
    scope: (parties) => parties.subject.includes(marker),
    screen(message): Finding[] {
      const index = message.subject.indexOf(marker);
      if (index < 0) return [];
      const evidence: Finding['evidence'] = [{ location: 'subject', text: marker, start: index, end: index + marker.length }];
      const phrase = /please proceed with the works/i.exec(message.text.body);
      return [
        {
          filter: id,
          rule: 'MARKER',
          severity: 'high',
          score: 0.9,
          protocolRef,
          evidence: phrase ? [...evidence, { location: 'body', text: phrase[0], start: phrase.index, end: phrase.index + phrase[0].length }] : evidence,
          explanation: `The subject carries ${marker}.`,
        },
      ];
    },
  };
}

export const testFilters: readonly Filter[] = [markerFilter('test-hold', '[hold-me]', '10.1.3'), markerFilter('test-flag', '[flag-me]', '10.1.1')];
