/**
 * The characters XML 1.0 cannot carry at all, escaped or not (https://www.w3.org/TR/xml/#charsets):
 * C0 controls other than tab, LF and CR, U+FFFE, U+FFFF and unpaired surrogates. FHIR JSON can hold
 * them, FHIR XML cannot, so what is stored is checked against this set when it comes in.
 */
export const NOT_XML_CHAR =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: this regex exists to find control characters.
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

const NOT_XML_CHARS = new RegExp(NOT_XML_CHAR.source, 'g');

/** `U+0007` for a character (a UTF-16 code unit, so an unpaired surrogate shows as itself). */
export function codePoint(char: string): string {
  return `U+${char.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Where `text` holds a character XML 1.0 cannot carry, as "U+0007 at offset 3", or undefined. */
export function xmlCharProblem(text: string): string | undefined {
  const bad = NOT_XML_CHAR.exec(text);
  return bad ? `${codePoint(bad[0])} at offset ${bad.index}` : undefined;
}

/**
 * `text` with every character XML 1.0 cannot carry shown as a `\uXXXX` escape, so diagnostics that
 * quote a client's input can always be written, as JSON and as XML.
 */
export function xmlSafeText(text: string): string {
  return NOT_XML_CHAR.test(text)
    ? text.replace(NOT_XML_CHARS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : text;
}
