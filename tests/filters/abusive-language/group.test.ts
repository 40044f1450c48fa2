import { describe, expect, it } from 'vitest';
import { groupAbuse } from '../../../filters/abusive-language/group.js';
import { decodeVocabulary } from '../../../filters/abusive-language/lexicon.js';
import { tokenize } from '../../../filters/abusive-language/text.js';

/**
 * Hate against a group defined by a protected characteristic, read from the sentence's structure:
 * for each form, cases that must be read as hate and contrasts with the same words that must not.
 */
const kindsIn = (sentence: string): string[] => groupAbuse(tokenize(sentence, decodeVocabulary())).map((abuse) => abuse.kind);

const TABLES: ReadonlyArray<{ form: string; hate: readonly string[]; contrasts: readonly string[] }> = [
  {
    form: 'what the group is said to be',
    hate: ['Women are disgusting.', 'All Muslims are terrorists.', 'Immigrants are nothing but parasites.', 'The Somali families on the Northgate estate are like a swarm of locusts.'],
    contrasts: ['Immigrants are a huge asset to our NHS and our town.', 'Women are under-represented on the planning committee.', 'Muslim women are sick of being asked to justify their clothes.', 'Trans people are welcome at every council service.'],
  },
  {
    form: 'denials inside the predicate',
    hate: ['Women are not human.', 'Immigrants don\'t belong here.', 'Trans people shouldn\'t be allowed to use the staff toilets.'],
    contrasts: ['Muslims are not terrorists and it is offensive to suggest otherwise.', 'Disabled people should be able to use the library without asking for help.'],
  },
  {
    form: 'what the writer feels about the group, and pronouns that refer back to it',
    hate: ['I hate women.', 'I have met many disabled people and I hate every single one of them.', 'Why do we keep hiring disabled people when they\'re nothing but a drain on the team?'],
    contrasts: ['I don\'t hate women, I just think the panel needs balance.', 'I love how the Polish community has rebuilt the church hall.'],
  },
  {
    form: 'violence or removal wished on the group',
    hate: ['Gay people should all be shot.', 'Deport all the immigrants now.', 'Death to all Muslims.', 'All the asylum seekers in the Station Hotel need a good kicking.'],
    contrasts: [
      'Many Jews were killed in the Holocaust, and the memorial event is on 27 January.',
      'Travellers were removed from the recreation ground by the police on Tuesday.',
      'Asylum seekers should be sent details of the English classes by Friday.',
      'We must never deport refugees to countries where they face torture.',
    ],
  },
  {
    form: 'stereotypes about what the group can do',
    hate: ['Honestly, Muslims can\'t be trusted with anything to do with our schools.', 'Women simply can\'t handle numbers.'],
    contrasts: ['Blind residents can\'t read the printed leaflet, so please send an audio version.', 'Many older residents can\'t cope with the online forms.', 'Deaf people can\'t hear the fire alarm in Block B.'],
  },
  {
    form: 'claims mentioned in order to reject them',
    hate: ['I think that trans people are mentally ill.'],
    contrasts: ['The idea that immigrants are criminals is a lie spread by the far right.', 'Stop saying that Travellers are thieves; it is simply untrue.', 'Calling gay people a disease is hate speech and it will be reported.'],
  },
  {
    form: 'names and look-alikes that are not groups',
    hate: [],
    contrasts: ['Mr Black is the new housing officer.', 'The Chinese takeaway on Mill Road has a food hygiene rating of 2.', 'The Roma families on the Westfield site are waiting for the water supply to be reconnected.'],
  },
];

describe('hate against a group', () => {
  for (const table of TABLES) {
    describe(table.form, () => {
      if (table.hate.length > 0) it.each(table.hate)('reads "%s" as hate', (sentence) => expect(kindsIn(sentence)).not.toEqual([]));
      it.each(table.contrasts)('does not read "%s" as hate', (sentence) => expect(kindsIn(sentence)).toEqual([]));
    });
  }

  it('tells a threat from derogation', () => {
    expect(kindsIn('Gay people should all be shot.')).toEqual(['threat']);
    expect(kindsIn('Immigrants don\'t belong here.')).toEqual(['exclusion']);
  });
});
