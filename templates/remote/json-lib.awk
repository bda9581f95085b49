# The JSON reader that the node-side editors share (daemon-json.awk, config-json.awk): each
# program is this file followed by its own. POSIX awk only (mawk, gawk and busybox awk), run
# with LC_ALL=C so every position is a byte.
#
# parse() validates the whole document (ARGV[1]) as strictly as Go's encoding/json does, and
# notes the top-level members (MK[m] key start, MV[m] value end, nm members, ob the top
# object's brace). The program supplies member(k, m): for the top-level key k (decoded), with
# p at its value, it reads that value itself and returns 1, or returns 0 to let value() read it. An empty or blank file counts
# as {} (blank=1). Errors end in `error TEXT` and exit 4. splice() writes the document with one
# range replaced to `out`, and exits 0: every other byte is copied as it was.
#
# busybox awk ends a record at a NUL byte, so a NUL as the file's last byte never reaches this
# program there; rs_edit (trust-lib.sh) refuses a NUL before it runs us.
BEGIN {
  RS = "\001"; for (i = 1; i < 256; i++) BYTE[i] = sprintf("%c", i)
  ESC["\""] = "\""; ESC["\\"] = "\\"; ESC["/"] = "/"; ESC["b"] = BYTE[8]; ESC["f"] = BYTE[12]; ESC["n"] = "\n"; ESC["r"] = "\r"; ESC["t"] = "\t"
}
{ s = s (NR > 1 ? RS : "") $0 }
function parse() {
  n = length(s); p = 1
  ws()
  if (p > n) blank = 1
  else if (substr(s, p, 1) != "{") bad("the top level is not a JSON object")
  else value(0)
  if (!err) { ws(); if (p <= n) bad("unexpected text after the closing }") }
  if (!err) lastbyte()
  if (err) { print "error " err; exit 4 }
}
function bad(msg,   t, l) {
  if (err) return
  l = split(substr(s, 1, p - 1), t, "\n"); if (l < 1) l = 1
  err = msg " (line " l ")"; p = n + 2
}
# RS swallows a \001 that ends the file without a trace; a second read under another RS shows it.
function lastbyte(   t, r, k, m) {
  RS = "\002"
  while ((r = (getline t < ARGV[1])) > 0) m += length(t) + (k++ > 0)
  close(ARGV[1])
  if (r == 0 && m != n) { p = n + 1; bad("a control character at the end of the file") }
}
function ws() { while (p <= n && index(" \t\n\r", substr(s, p, 1)) > 0) p++ }
function value(depth,   c) {
  if (depth > 200) return bad("nesting is too deep")
  ws()
  if (p > n) return bad("the document ends too early")
  c = substr(s, p, 1)
  if (c == "{") return object(depth)
  if (c == "[") return array(depth)
  if (c == "\"") return str()
  if (c == "-" || index("0123456789", c) > 0) return num()
  if (substr(s, p, 4) == "true" || substr(s, p, 4) == "null") { p += 4; return }
  if (substr(s, p, 5) == "false") { p += 5; return }
  # The report is a line of text for registry-setup: raw control bytes stay out of it.
  bad("unexpected character " (c > " " && c <= "~" ? c : "(a control or non-ASCII byte)"))
}
function object(depth,   c, k, m, top) {
  top = (depth == 0); if (top) ob = p
  p++; ws()
  if (substr(s, p, 1) == "}") { p++; return }
  for (m = 1; !err; m++) {
    ws()
    if (substr(s, p, 1) != "\"") return bad("expected a quoted key")
    if (top) MK[m] = p
    k = str(); ws()
    if (err) return
    if (substr(s, p, 1) != ":") return bad("expected : after a key")
    p++; ws()
    if (!(top && member(k, m))) value(depth + 1)
    if (err) return
    if (top) { MV[m] = p; nm = m }
    ws(); c = substr(s, p, 1); p++
    if (c == "}") return
    if (c != ",") { p--; return bad("expected , or } after a value") }
  }
}
function array(depth,   c) {
  p++; ws()
  if (substr(s, p, 1) == "]") { p++; return }
  while (!err) {
    value(depth + 1); ws()
    if (err) return
    c = substr(s, p, 1); p++
    if (c == "]") return
    if (c != ",") { p--; return bad("expected , or ] in a list") }
  }
}
# The string's value as Go decodes it (\uXXXX to UTF-8, a lone surrogate to U+FFFD).
function str(   q, c, e, h, lo, v) {
  q = p + 1
  for (p = q; p <= n; p++) {
    c = substr(s, p, 1)
    if (c == "\"") { v = v substr(s, q, p - q); p++; return v }
    if (c == "\\") {
      v = v substr(s, q, p - q); e = substr(s, p + 1, 1)
      if (e in ESC) { v = v ESC[e]; p++ }
      else if (e == "u" && (h = hex4(p + 2)) >= 0) {
        p += 5
        if (h >= 55296 && h < 56320 && substr(s, p + 1, 2) == "\\u" && (lo = hex4(p + 3)) >= 56320 && lo < 57344) { h = 65536 + (h - 55296) * 1024 + lo - 56320; p += 6 }
        else if (h >= 55296 && h < 57344) h = 65533
        v = v utf8(h)
      } else return bad("a bad escape in a string")
      q = p + 1; continue
    }
    # NUL included: gawk and mawk keep it as a byte, and it sorts below the space.
    if (c < " ") return bad("a control character in a string")
  }
  bad("a string is not closed")
}
function hex4(at,   i, c, d, h) {
  for (i = 0; i < 4; i++) {
    c = substr(s, at + i, 1)
    if (c == "" || !(d = index("0123456789abcdef", tolower(c)))) return -1
    h = h * 16 + d - 1
  }
  return h
}
# U+0000 becomes \001: not every awk can make a NUL, and a decoded value is only ever
# compared with addresses and the key, which hold neither.
function utf8(h) {
  if (h < 1) return BYTE[1]
  if (h < 128) return BYTE[h]
  if (h < 2048) return BYTE[192 + int(h / 64)] BYTE[128 + h % 64]
  if (h < 65536) return BYTE[224 + int(h / 4096)] BYTE[128 + int(h / 64) % 64] BYTE[128 + h % 64]
  return BYTE[240 + int(h / 262144)] BYTE[128 + int(h / 4096) % 64] BYTE[128 + int(h / 64) % 64] BYTE[128 + h % 64]
}
function num() {
  if (!match(substr(s, p), /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/)) return bad("a bad number")
  p += RLENGTH
}
# Separator for a new item: the one between the last two items, else a comma plus the
# whitespace before the first item if that holds a newline (one item per line), else ", ".
function sepfor(open, first, prevend, last,   lead) {
  if (prevend) return substr(s, prevend, last - prevend)
  lead = substr(s, open + 1, first - open - 1)
  return index(lead, "\n") > 0 ? "," lead : ", "
}
function splice(a, b, text) { printf "%s", substr(s, 1, a - 1) text substr(s, b) > out; close(out); exit 0 }
