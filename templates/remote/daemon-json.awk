# Edits `insecure-registries` in /etc/docker/daemon.json ON THE NODE, where neither jq nor
# python can be assumed. POSIX awk only (mawk, gawk and busybox awk), run with LC_ALL=C so
# every position is a byte.
#
# It validates the whole document as strictly as dockerd (Go's encoding/json) does, then
# makes ONE splice and copies every other byte as it was. A removal is the exact inverse of
# an addition, which is what lets untrust-node put a file back byte for byte.
#
# Variables: op=add|remove|check, want="A B" (addresses; they hold no spaces or quotes),
# out=PATH (add/remove write the new document there), dropkey=1 (remove: also drop a key
# that ends up empty, because we added it).
# Stdout: `added A`, `key` (the key was added), `removed A`, `empty` (no member left),
# `present A` (check), `error TEXT`.
# Exit: 0 new document written (or check done), 3 nothing to change, 4 not valid JSON,
# 5 insecure-registries is not a list of strings.
#
BEGIN { RS = "\001"; for (i = 1; i < 32; i++) CTRL = CTRL sprintf("%c", i) }
{ s = s (NR > 1 ? RS : "") $0 }
END {
  n = length(s); p = 1; nw = split(want, W, " ")
  ws()
  if (p > n) bad("the file is empty")
  else if (substr(s, p, 1) != "{") bad("the top level is not a JSON object")
  else value(0)
  if (!err) { ws(); if (p <= n) bad("unexpected text after the closing }") }
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
  bad("unexpected character " c)
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
function str(   q, c, e) {
  q = p + 1
  for (p = q; p <= n; p++) {
    c = substr(s, p, 1)
    if (c == "\"") { p++; return substr(s, q, p - 1 - q) }
    if (c == "\\") {
      e = substr(s, p + 1, 1)
      if (e != "" && index("\"\\/bfnrt", e) > 0) { p++; continue }
      if (e == "u" && substr(s, p + 2, 4) ~ /^[0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f][0-9A-Fa-f]$/) { p += 5; continue }
      return bad("a bad escape in a string")
    }
    if (index(CTRL, c) > 0) return bad("a control character in a string")
  }
  bad("a string is not closed")
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
