# Edits `insecure-registries` in /etc/docker/daemon.json ON THE NODE, where neither jq nor
# python can be assumed. POSIX awk only (mawk, gawk and busybox awk), run with LC_ALL=C so
# every position is a byte.
#
# It validates the whole document as strictly as dockerd (Go's encoding/json) does, then
# makes ONE splice and copies every other byte as it was. A removal is the exact inverse of
# an addition, which is what lets untrust-node put a file back byte for byte.
#
# Keys and entries are compared as dockerd reads them: escapes decoded (the key's case
# ignored), so "insecure\u002dregistries" is the key and "a\u003a1" the entry a:1. An empty or
# blank file counts as {}, as dockerd 23+ reads it.
#
# The file is ARGV[1]. busybox awk ends a record at a NUL byte, so a NUL as the file's last
# byte never reaches this program there; rs_dj (daemon-lib.sh) refuses a NUL before it runs us.
#
# Variables: op=add|remove|check, want="A B" (addresses; they hold no spaces or quotes),
# out=PATH (add/remove write the new document there), dropkey=1 (remove: also drop a key
# that ends up empty, because we added it).
# Stdout: `added A`, `key` (the key was added), `removed A`, `empty` (no member left),
# `present A` (check), `error TEXT`.
# Exit: 0 new document written (or check done), 3 nothing to change, 4 not valid JSON,
# 5 insecure-registries is not a list of strings.
#
BEGIN {
  RS = "\001"; for (i = 1; i < 256; i++) BYTE[i] = sprintf("%c", i)
  ESC["\""] = "\""; ESC["\\"] = "\\"; ESC["/"] = "/"; ESC["b"] = BYTE[8]; ESC["f"] = BYTE[12]; ESC["n"] = "\n"; ESC["r"] = "\r"; ESC["t"] = "\t"
}
{ s = s (NR > 1 ? RS : "") $0 }
END {
  n = length(s); p = 1; nw = split(want, W, " ")
  ws()
  if (p > n) blank = 1
  else if (substr(s, p, 1) != "{") bad("the top level is not a JSON object")
  else value(0)
  if (!err) { ws(); if (p <= n) bad("unexpected text after the closing }") }
  if (!err) lastbyte()
  if (err) { print "error " err; exit 4 }
  if (irtype == "other" || irbad) { print "error insecure-registries is not a list of strings"; exit 5 }
  if (op == "check") { for (i = 1; i <= nw; i++) if (inir(W[i])) print "present " W[i]; exit 0 }
  if (op == "add") add()
  if (op == "remove") remove()
  exit 3
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
    # Go matches keys without regard to case, so dockerd would read either spelling.
    # (dockerd 20.10 then refuses any spelling but its flag's name; ours is to add no second key.)
    if (top && tolower(k) == "insecure-registries") {
      if (irm) return bad("insecure-registries appears twice")
      irm = m
      if (substr(s, p, 1) == "[") irlist(); else { irtype = "other"; value(depth + 1) }
    } else value(depth + 1)
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
function irlist(   c) {
  irtype = "list"; io = p; p++; ws()
  if (substr(s, p, 1) == "]") { ic = p; p++; return }
  while (!err) {
    ws(); ne++; ES[ne] = p
    if (substr(s, p, 1) == "\"") EV[ne] = str(); else { irbad = 1; value(2) }
    if (err) return
    EE[ne] = p; ws(); c = substr(s, p, 1)
    if (c == "]") { ic = p; p++; return }
    if (c != ",") return bad("expected , or ] in insecure-registries")
    p++
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
function inir(x,   i) { for (i = 1; i <= ne; i++) if (EV[i] == x) return 1; return 0 }
function wanted(x,   i) { for (i = 1; i <= nw; i++) if (W[i] == x) return 1; return 0 }
# Separator for a new item: the one between the last two items, else a comma plus the
# whitespace before the first item if that holds a newline (one item per line), else ", ".
function sepfor(open, first, prevend, last,   lead) {
  if (prevend) return substr(s, prevend, last - prevend)
  lead = substr(s, open + 1, first - open - 1)
  return index(lead, "\n") > 0 ? "," lead : ", "
}
function splice(a, b, text) { printf "%s", substr(s, 1, a - 1) text substr(s, b) > out; close(out); exit 0 }
function add(   i, k, list, ins, sep) {
  for (i = 1; i <= nw; i++) if (!inir(W[i]) && !(W[i] in NEW)) { NEW[W[i]] = 1; ADD[++k] = W[i] }
  if (!k) exit 3
  for (i = 1; i <= k; i++) print "added " ADD[i]
  if (irm && ne) {
    sep = sepfor(io, ES[1], ne > 1 ? EE[ne - 1] : 0, ES[ne])
    for (i = 1; i <= k; i++) ins = ins sep "\"" ADD[i] "\""
    splice(EE[ne], EE[ne], ins)
  }
  for (i = 1; i <= k; i++) list = list (i > 1 ? ", " : "") "\"" ADD[i] "\""
  if (irm) splice(io + 1, io + 1, list)
  print "key"
  list = "\"insecure-registries\": [" list "]"
  if (blank) splice(1, 1, "{" list "}")
  if (!nm) splice(ob + 1, ob + 1, list)
  splice(MV[nm], MV[nm], sepfor(ob, MK[1], nm > 1 ? MV[nm - 1] : 0, MK[nm]) list)
}
function remove(   i, j, k, gone, r) {
  for (i = 1; i <= ne; i++) if (wanted(EV[i])) { gone++; print "removed " EV[i] } else KEEP[++k] = i
  if (!gone) exit 3
  if (!k && dropkey) {
    if (nm == 1) { print "empty"; splice(MK[1], MV[1], "") }
    if (irm == nm) splice(MV[nm - 1], MV[nm], "")
    splice(MK[irm], MK[irm + 1], "")
  }
  # Survivors keep the separator that stood before them; the first keeps the list's lead.
  r = substr(s, io + 1, ES[1] - io - 1)
  for (j = 1; j <= k; j++) { i = KEEP[j]; if (j > 1) r = r substr(s, EE[i - 1], ES[i] - EE[i - 1]); r = r substr(s, ES[i], EE[i] - ES[i]) }
  splice(io + 1, ic, r substr(s, EE[ne], ic - EE[ne]))
}
