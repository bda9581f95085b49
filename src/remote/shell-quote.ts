/**
 * POSIX single quoting. Inside '...' the shell interprets nothing at all ($, `, \, newlines
 * and double quotes are literal), so the only character to handle is ' itself, written as
 * '\'' (close, escaped quote, reopen). Everything interpolated into a remote script goes
 * through here; nothing is ever placed inside double quotes.
 */
export function shellQuote(value: string): string {
  // A shell variable cannot hold NUL; refusing it beats sending a silently truncated value.
  if (value.includes('\0')) throw new Error('a shell word cannot contain a NUL byte');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/**
 * One command line: words made only of characters no shell treats specially stay bare
 * ('=' only after the first word, where it cannot read as an assignment). The one quoting
 * for every line a person sees or a shell runs (ssh lines, cron entries, `cd DIR && docker …`
 * hints), so no second, subtly different quoter is needed anywhere.
 */
export function shellCommand(words: readonly string[]): string {
  return words.map((w, i) => ((i > 0 ? /^[A-Za-z0-9_@%+=:,./-]+$/ : /^[A-Za-z0-9_@%+:,./-]+$/).test(w) ? w : shellQuote(w))).join(' ');
}
