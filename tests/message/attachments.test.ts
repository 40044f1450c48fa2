import { once } from 'node:events';
import { createDeflateRaw, deflateRawSync } from 'node:zlib';
import type { Attachment as ParsedAttachment } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { Directory } from '../../src/directory.js';
import { MAX_ATTACHMENT_TEXT_CHARS, MAX_DOCUMENT_BYTES, extractAttachmentText } from '../../src/message/attachments.js';
import { checkedInflatedSize, inflatedZipSize } from '../../src/message/documents.js';
import { parseMessage } from '../../src/message/parse.js';
import { buildDocx, buildPdf, storedZip } from '../../scripts/fixtures/office-documents.js';
import { exampleConfig } from '../helpers/config.js';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** The fields of a mailparser attachment that extraction reads. */
function part(contentType: string, filename: string | undefined, content: Buffer): ParsedAttachment {
  return { contentType, filename, content, size: content.length } as ParsedAttachment;
}

/** A zip archive of one deflated part whose headers declare `declaredSize` uncompressed bytes. */
function deflatedZip(name: string, data: Buffer, declaredSize: number): Buffer {
  const fileName = Buffer.from(name, 'latin1');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(20, 4);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(data.length, 18);
  local.writeUInt32LE(declaredSize, 22);
  local.writeUInt16LE(fileName.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4);
  central.writeUInt16LE(20, 6);
  central.writeUInt16LE(8, 10);
  central.writeUInt32LE(data.length, 20);
  central.writeUInt32LE(declaredSize, 24);
  central.writeUInt16LE(fileName.length, 28);
  central.writeUInt32LE(0, 42);
  const centralOffset = local.length + fileName.length + data.length;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + fileName.length, 12);
  end.writeUInt32LE(centralOffset, 16);
  return Buffer.concat([local, fileName, data, central, fileName, end]);
}

const LETTER = ['Dear Mr Grant,', 'We accept your quote of £18,200 for the drainage works.', 'Cllr Susan Okafor'];

describe('attachment text extraction', () => {
  it('reads the text of a Word (.docx) letter', async () => {
    const extracted = await extractAttachmentText(part(DOCX, 'letter.docx', buildDocx(LETTER)));
    expect(extracted.problem).toBeUndefined();
    for (const line of LETTER) expect(extracted.text).toContain(line);
  });

  it('reads the text of a PDF letter, including a pound sign', async () => {
    const extracted = await extractAttachmentText(part('application/pdf', 'letter.pdf', buildPdf(LETTER)));
    expect(extracted.problem).toBeUndefined();
    for (const line of LETTER) expect(extracted.text).toContain(line);
  });

  it('recognises documents sent as application/octet-stream by their name or, for PDF, their first bytes', async () => {
    expect((await extractAttachmentText(part('application/octet-stream', 'letter.docx', buildDocx(LETTER)))).text).toContain('We accept your quote');
    expect((await extractAttachmentText(part('application/octet-stream', 'scan0001', buildPdf(LETTER)))).text).toContain('We accept your quote');
  });

  it('keeps plain text attachments as they were, and leaves other types unread', async () => {
    expect(await extractAttachmentText(part('text/plain', 'note.txt', Buffer.from('Please proceed with the works.')))).toEqual({ text: 'Please proceed with the works.' });
    expect(await extractAttachmentText(part('image/jpeg', 'photo.jpg', Buffer.from([0xff, 0xd8, 0xff])))).toEqual({});
    expect(await extractAttachmentText(part('text/html', 'page.html', Buffer.from('<p>x</p>')))).toEqual({});
  });

  it('does not open a document over the size limit, and says why', async () => {
    const started = performance.now();
    const huge = Buffer.alloc(MAX_DOCUMENT_BYTES + 1);
    huge.write('%PDF-1.4', 0, 'latin1');
    const extracted = await extractAttachmentText(part('application/pdf', 'huge.pdf', huge));
    expect(extracted.text).toBeUndefined();
    expect(extracted.problem).toMatch(/not read \(limit 10485760\)/);
    expect(performance.now() - started).toBeLessThan(1_000);
  });

  it('refuses a .docx whose parts would inflate past the limit, before inflating anything', async () => {
    const bomb = storedZip([{ name: 'word/document.xml', data: Buffer.from('<w:document/>') }]);
    // claim a 4 GB uncompressed size in the central directory entry
    const central = bomb.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    bomb.writeUInt32LE(0xffff_ff00, central + 24);
    expect(inflatedZipSize(bomb)).toBe(0xffff_ff00);
    const extracted = await extractAttachmentText(part(DOCX, 'bomb.docx', bomb));
    expect(extracted.text).toBeUndefined();
    expect(extracted.problem).toMatch(/would inflate to 4294967040 bytes/);
  });

  it('refuses a .docx whose parts inflate past the limit although they declare a small size, holding at most the limit', async () => {
    // 64 MiB of zeros deflated to about 64 KB, declared in both headers as 2,000 bytes
    const deflate = createDeflateRaw();
    const compressed: Buffer[] = [];
    deflate.on('data', (chunk: Buffer) => compressed.push(chunk));
    const zeros = Buffer.alloc(1024 * 1024);
    for (let index = 0; index < 64; index += 1) deflate.write(zeros);
    deflate.end();
    await once(deflate, 'end');
    const bomb = deflatedZip('word/document.xml', Buffer.concat(compressed), 2_000);
    expect(bomb.length).toBeLessThan(200_000);
    expect(inflatedZipSize(bomb)).toBe(2_000);
    const extracted = await extractAttachmentText(part(DOCX, 'bomb.docx', bomb));
    expect(extracted.text).toBeUndefined();
    expect(extracted.problem).toBe('docx could not be read: parts inflate to more than 41943040 bytes, more than they declare');
    // an honest archive of the same shape is measured, not refused
    const honest = deflatedZip('word/document.xml', deflateRawSync(Buffer.from('<w:document/>')), 13);
    expect(checkedInflatedSize(honest, 1_000)).toBe(13);
  });

  it('reports a corrupt document as a problem instead of throwing', async () => {
    expect((await extractAttachmentText(part('application/pdf', 'broken.pdf', Buffer.from('%PDF-1.4 this is not a pdf')))).problem).toMatch(/^pdf could not be read/);
    expect((await extractAttachmentText(part(DOCX, 'broken.docx', Buffer.from('not a zip at all')))).problem).toMatch(/^docx could not be read: not a zip archive/);
  });

  it('gives up after the time limit and says so', async () => {
    const extracted = await extractAttachmentText(part('application/pdf', 'slow.pdf', buildPdf(LETTER)), { timeoutMs: 1 });
    expect(extracted.text).toBeUndefined();
    expect(extracted.problem).toBe('pdf text extraction took longer than 1 ms');
  });

  it('caps the text kept from one document', async () => {
    const long = Array.from({ length: 400 }, (_, index) => `Paragraph ${index} of a very long report about the drainage works on Riverside Road.`);
    const extracted = await extractAttachmentText(part(DOCX, 'report.docx', buildDocx(long)), { maxChars: 1_000 });
    expect(extracted.text).toHaveLength(1_000);
    expect(MAX_ATTACHMENT_TEXT_CHARS).toBe(200_000);
  });
});

describe('attachments in a parsed message', () => {
  it('puts the text of an attached .docx on the message for filters to read', async () => {
    const docx = buildDocx(LETTER).toString('base64');
    const raw = Buffer.from(
      [
        'From: Cllr Susan Okafor <cllr.okafor@greyfordvale.gov.uk>',
        'To: works@riversidecivils.example.com',
        'Subject: Drainage',
        'MIME-Version: 1.0',
        'Content-Type: multipart/mixed; boundary="b"',
        '',
        '--b',
        'Content-Type: text/plain; charset=utf-8',
        '',
        'Letter attached.',
        '--b',
        `Content-Type: ${DOCX}; name="Drainage letter.docx"`,
        'Content-Disposition: attachment; filename="Drainage letter.docx"',
        'Content-Transfer-Encoding: base64',
        '',
        docx,
        '--b--',
        '',
      ].join('\r\n'),
    );
    const config = exampleConfig();
    const message = await parseMessage(raw, { mailFrom: null, rcptTo: [] }, new Directory(config), { maxParseBytes: 10_000_000 });
    expect(message.attachments).toHaveLength(1);
    expect(message.attachments[0]?.filename).toBe('Drainage letter.docx');
    expect(message.attachments[0]?.text).toContain('We accept your quote of £18,200 for the drainage works.');
    expect(message.problems).toEqual([]);
  });
});
