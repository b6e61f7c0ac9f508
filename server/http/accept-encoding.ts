/**
 * Whether a request's `Accept-Encoding` accepts `coding` (RFC 9110 §12.5.3): listed, or covered
 * by `*`, with a q-value above 0. No header at all accepts only the identity.
 */
export function acceptsEncoding(header: string | undefined, coding: string): boolean {
  if (!header) return false;
  let star: boolean | undefined;
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => /^\s*q\s*=\s*([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v);
    const ok = q === undefined || Number(q) > 0;
    if (name.trim() === coding) return ok;
    if (name.trim() === '*') star = ok;
  }
  return star ?? false;
}

/** Whether an `If-None-Match` header matches `etag` (weak comparison, lists and `*`). */
export function matchesEtag(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  if (header.trim() === '*') return true;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  return header.split(',').some((t) => bare(t) === bare(etag));
}
