/**
 * Fills `{name}` placeholders of a replaceable sentence. Values may be strings or templates (to
 * set names in bold); unknown placeholders are kept as written, so a translator's typo shows.
 */
export function fill<T>(template: string, values: Record<string, T>): (string | T)[] {
  return template.split(/(\{\w+\})/).map((part) => {
    const key = /^\{(\w+)\}$/.exec(part)?.[1];
    return key !== undefined && key in values ? values[key]! : part;
  });
}

/** The same, as plain text (for announcements and labels). */
export function fillText(template: string, values: Record<string, string>): string {
  return fill(template, values).join('');
}
