/** Where quoted speech stands in a text: someone else's words, or words put in someone's mouth. */
export interface QuotedSpan {
  /** the opening quotation mark */
  readonly start: number;
  /** one past the closing quotation mark */
  readonly end: number;
}

/** a "quotation" longer than this is an unbalanced mark, not speech */
const MAX_QUOTATION_CHARS = 800;

const STRAIGHT_DOUBLE = 0x22;
/** “ */
const LEFT_DOUBLE = 0x201c;
/** ” */
const RIGHT_DOUBLE = 0x201d;

/**
 * Double-quoted passages (straight or curly). Single quotes are left alone: they are apostrophes
 * far more often than quotation marks in e-mail. One pass, bounded by the text length.
 */
export function quotedSpans(text: string): QuotedSpan[] {
  const spans: QuotedSpan[] = [];
  // most text quotes nobody: two native searches settle that without walking it
  if (text.indexOf('"') < 0 && text.indexOf('“') < 0) return spans;
  let open = -1;
  let openMark = 0;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    // an unmatched mark is forgotten, never rescanned, so the pass stays linear
    if (open >= 0 && index - open > MAX_QUOTATION_CHARS) open = -1;
    if (code === LEFT_DOUBLE || (code === STRAIGHT_DOUBLE && open < 0)) {
      if (open < 0) {
        open = index;
        openMark = code;
      }
      continue;
    }
    if (open >= 0 && ((code === RIGHT_DOUBLE && openMark === LEFT_DOUBLE) || (code === STRAIGHT_DOUBLE && openMark === STRAIGHT_DOUBLE) || (code === RIGHT_DOUBLE && openMark === STRAIGHT_DOUBLE))) {
      spans.push({ start: open, end: index + 1 });
      open = -1;
    }
  }
  return spans;
}

/** Whether `[start, end)` lies inside one of `spans`. */
export function insideAny(spans: readonly QuotedSpan[], start: number, end: number): boolean {
  return spans.some((span) => start >= span.start && end <= span.end);
}
