import { formatHtpasswd } from './htpasswd.js';

/**
 * Edits keep every line they do not own, comments included, so a file that a
 * person also edits by hand survives a `user add`.
 */
function isLineFor(line: string, user: string): boolean {
  return line.trim().startsWith(`${user}:`);
}

function lines(text: string): string[] {
  return text.split('\n').filter((line, i, all) => line !== '' || i < all.length - 1);
}

/** Adds the user, or replaces every line it had (an old non-bcrypt line too), in place. */
export function setHtpasswdUser(text: string, user: string, hash: string): string {
  const entry = formatHtpasswd([{ user, hash }]).trimEnd();
  const kept = lines(text);
  const at = kept.findIndex((l) => isLineFor(l, user));
  const rest = kept.filter((l) => !isLineFor(l, user));
  if (at === -1) rest.push(entry);
  else rest.splice(at, 0, entry);
  return rest.map((l) => `${l}\n`).join('');
}

/** The text without the user's lines, and whether it had any. */
export function removeHtpasswdUser(text: string, user: string): { text: string; removed: boolean } {
  const kept = lines(text);
  const rest = kept.filter((l) => !isLineFor(l, user));
  return { text: rest.map((l) => `${l}\n`).join(''), removed: rest.length !== kept.length };
}
