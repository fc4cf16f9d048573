/**
 * Text measured in characters (Unicode code points), not UTF-16 code units: "😀" is one
 * character, as a consumer counts it and as GP Connect's limits mean it (description ≤ 100,
 * comment ≤ 500 characters: Book an appointment, "Provider handling of description and comment").
 */

/** The number of characters (code points) in `text`; a lone surrogate counts as one. */
export function charCount(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is one character.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

/**
 * The first `max` characters of `text` followed by `ellipsis` when it is longer, never splitting a
 * surrogate pair (a split one would be a lone surrogate: invalid in XML and in UTF-8).
 */
export function truncateChars(text: string, max: number, ellipsis = '…'): string {
  if (text.length <= max) return text;
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
