/**
 * Text measured in characters (Unicode code points), not UTF-16 code units: "😀" is one
 * character, as a consumer counts it and as GP Connect's limits mean it (description ≤ 100,
 * comment ≤ 500 characters: Book an appointment, "Provider handling of description and comment").
 */

const HIGH_SURROGATE = /[\uD800-\uDBFF]/;
const SURROGATE_PAIR = /[\uD800-\uDBFF][\uDC00-\uDFFF]/g;

/**
 * The number of characters (code points) in `text`; a lone surrogate counts as one. Native regular
 * expressions scan it: the journal measures whole responses (a day's slot search is ~570 KB).
 */
export function charCount(text: string): number {
  if (!HIGH_SURROGATE.test(text)) return text.length;
  return text.length - (text.match(SURROGATE_PAIR)?.length ?? 0);
}

/**
 * The first `max` characters of `text` followed by `ellipsis` when it is longer, never splitting a
 * surrogate pair (a split one would be a lone surrogate: invalid in XML and in UTF-8).
 */
export function truncateChars(text: string, max: number, ellipsis = '…'): string {
  if (text.length <= max) return text;
  // No high surrogate among the first `max` units: each of them is one character (the journal cuts
  // every long response here, so a native scan first; the loop below only for text with pairs).
  const head = text.slice(0, max);
  if (!HIGH_SURROGATE.test(head)) return `${head}${ellipsis}`;
  let units = 0;
  let chars = 0;
  while (units < text.length && chars < max) {
    const unit = text.charCodeAt(units);
    const pair =
      unit >= 0xd800 &&
      unit <= 0xdbff &&
      units + 1 < text.length &&
      text.charCodeAt(units + 1) >= 0xdc00 &&
      text.charCodeAt(units + 1) <= 0xdfff;
    units += pair ? 2 : 1;
    chars++;
  }
  return units >= text.length ? text : `${text.slice(0, units)}${ellipsis}`;
}
