import { describe, expect, it } from 'vitest';
import { Directory, normaliseAddress } from '../src/directory.js';
import { exampleConfig } from './helpers/config.js';

describe('directory', () => {
  const directory = new Directory(exampleConfig());

  it.each([
    ['cllr.amber@greyfordvale.gov.uk', ['member', 'council']],
    ['CLLR.Amber+casework@GreyfordVale.gov.uk', ['member', 'council']],
    ['priya.amber@example.net', ['member']],
    ['rachel.finch@greyfordvale.gov.uk', ['officer', 'council']],
    ['nadia.kowalski@greyfordvale.gov.uk', ['officer', 'monitoring-officer', 'council']],
    ['member.enquiries@greyfordvale.gov.uk', ['enquiries-mailbox', 'council']],
    ['press@greyfordvale.gov.uk', ['press-mailbox', 'council']],
    ['all.councillors@greyfordvale.gov.uk', ['mailing-list', 'council']],
    ['newsdesk@greyfordgazette.co.uk', ['media']],
    ['reporter@news.bbc.co.uk', ['media']],
    ['someone@planning.greyfordvale.gov.uk', ['council']],
    ['resident@example.com', ['external']],
  ])('%s is %j', (address, roles) => {
    expect([...directory.rolesOf(address)].sort()).toEqual([...roles].sort());
  });

  it('knows names, managers and list members', () => {
    expect(directory.lookup('Rachel.Finch@greyfordvale.gov.uk')).toMatchObject({ name: 'Rachel Finch', manager: 'david.osei@greyfordvale.gov.uk' });
    expect(directory.expand('all.councillors@greyfordvale.gov.uk')).toContain('cllr.okafor@greyfordvale.gov.uk');
    expect(directory.isExemptList('casework.tracker@greyfordvale.gov.uk')).toBe(true);
    expect(directory.isExemptList('all.councillors@greyfordvale.gov.uk')).toBe(false);
  });

  it('treats members\' personal addresses as internal and the press as external', () => {
    expect(directory.isInternal('gareth.pryce@example.org')).toBe(true);
    expect(directory.isInternal('newsdesk@greyfordgazette.co.uk')).toBe(false);
  });

  it('normalises without breaking quoted local parts', () => {
    expect(normaliseAddress(' <Jo.Bloggs+x@Example.ORG> ')).toBe('jo.bloggs@example.org');
    expect(normaliseAddress('"a+b"@example.org')).toBe('"a+b"@example.org');
  });
});
