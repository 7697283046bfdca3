/**
 * Reported URLs are shown to people defanged: the scheme becomes `hxxp`/`hxxps` and every dot
 * of the host is bracketed, so the text is never a working link, is not auto-linked by mail or
 * chat clients it is pasted into, and cannot be opened by a slip of the mouse.
 */
export function defangUrl(url: string): string {
  const match = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)(.*)$/is.exec(url);
  if (!match) return url.replace(/\./g, '[.]');
  const [, scheme, authority, rest] = match;
  const defangedScheme = scheme!.toLowerCase().replace(/^http/, 'hxxp').replace(/^ftp/, 'fxp');
  return `${defangedScheme}[://]${authority!.replace(/\./g, '[.]')}${rest}`;
}
