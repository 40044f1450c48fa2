/** A plain message from `from` to `to` with one attachment, base64 in lines of 76, as mail clients send it. */
export function withAttachment(from: string, to: string, attachment: { filename: string; contentType: string; content: Buffer }, subject = 'Please see the attached'): string {
  const encoded = attachment.content.toString('base64').replace(/.{76}/g, '$&\r\n');
  return [
    `From: ${from}`,
    `To: ${to}`,
    `Subject: ${subject}`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/mixed; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain; charset=utf-8',
    '',
    'Please see the attached.',
    '--b',
    `Content-Type: ${attachment.contentType}; name="${attachment.filename}"`,
    'Content-Transfer-Encoding: base64',
    '',
    encoded,
    '--b--',
    '',
  ].join('\r\n');
}
