/**
 * Whether a UTF-16 code unit is white space as `/\s/` and `String.prototype.trim` read it. The
 * sentence splitter tests characters one at a time, and a number comparison costs a fraction of
 * a regular expression call on a one-character string.
 */
export function isWhiteSpace(code: number): boolean {
  if (code <= 32) return code === 32 || (code >= 9 && code <= 13);
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}
