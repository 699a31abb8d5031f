/**
 * Control characters in user text (run names, tags, notes, imported bundles) are data, not
 * commands: a terminal must not execute an escape sequence from a run's name, and an SVG/PNG must
 * stay well-formed XML (XML 1.0 has no way to carry most C0 characters, escaped or not).
 */

/** C0 (but tab and newline), DEL, C1, and the bidi overrides that reorder what a reader sees. */
const TERMINAL_UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const TERMINAL_UNSAFE_KEEP_CR = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

const hex4 = (c: string) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * Text for a terminal: unsafe characters as `\u001b` (also valid inside JSON strings, so JSON
 * output stays parseable). `keepCR` lets progress lines redraw with a carriage return.
 */
export function escapeForTerminal(text: string, opts: { keepCR?: boolean } = {}): string {
  return text.replace(opts.keepCR ? TERMINAL_UNSAFE_KEEP_CR : TERMINAL_UNSAFE, hex4);
}

/** Characters XML 1.0 cannot hold at all (nor as references), and lone surrogates. */
const XML_INVALID = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** Text safe to place in a chart (SVG/PNG): impossible characters become U+FFFD, bidi overrides are dropped. */
export function chartText(text: string): string {
  return text.replace(XML_INVALID, '\ufffd').replace(/[\u202a-\u202e\u2066-\u2069]/g, '');
}

/** Markup characters escaped, for text written into SVG by hand. */
export function xmlEscape(text: string): string {
  return chartText(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}
