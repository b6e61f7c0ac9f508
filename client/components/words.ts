/**
 * Fills `{name}` placeholders of a replaceable sentence. Values may be strings or templates (to
 * set names in bold); unknown placeholders are kept as written, so a translator's typo shows.
 */
export function fill<T>(template: string, values: Record<string, T>): (string | T)[] {
  // Splitting on a captured group puts the placeholder names at the odd indexes.
  return template
    .split(/\{(\w+)\}/)
    .map((part, i) => (i % 2 === 0 ? part : part in values ? values[part]! : `{${part}}`));
}

/** The same, as plain text (for announcements and labels). */
export function fillText(template: string, values: Record<string, string>): string {
  return fill(template, values).join('');
}
