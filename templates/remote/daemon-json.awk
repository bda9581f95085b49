# Edits one list of strings in /etc/docker/daemon.json ON THE NODE (`insecure-registries`, or
# `registry-mirrors` for --mirrors), where neither jq nor
# python can be assumed. It runs after json-lib.awk, which reads and validates the document.
#
# It validates the whole document as strictly as dockerd (Go's encoding/json) does, then
# makes ONE splice and copies every other byte as it was. A removal is the exact inverse of
# an addition, which is what lets untrust-node put a file back byte for byte.
#
# Keys and entries are compared as dockerd reads them: escapes decoded (the key's case
# ignored), so "insecure\u002dregistries" is the key and "a\u003a1" the entry a:1. An empty or
# blank file counts as {}, as dockerd 23+ reads it.
#
# Variables: key=the list's name (default insecure-registries),
# op=add|remove|check, want="A B" (addresses or URLs; they hold no spaces or quotes),
# out=PATH (add/remove write the new document there), dropkey=1 (remove: also drop a key
# that ends up empty, because we added it).
# Stdout: `added A`, `key` (the key was added), `removed A`, `empty` (no member left),
# `present A` (check), `error TEXT`.
# Exit: 0 new document written (or check done), 3 nothing to change, 4 not valid JSON,
# 5 the list is not a list of strings.
#
END {
  parse(); nw = split(want, W, " ")
  if (irtype == "other" || irbad) { print "error " key " is not a list of strings"; exit 5 }
  if (op == "check") { for (i = 1; i <= nw; i++) if (inir(W[i])) print "present " W[i]; exit 0 }
  if (op == "add") add()
  if (op == "remove") remove()
  exit 3
}
# Go matches keys without regard to case, so dockerd would read either spelling.
# (dockerd 20.10 then refuses any spelling but its flag's name; ours is to add no second key.)
BEGIN { if (key == "") key = "insecure-registries" }
function member(k, m) {
  if (tolower(k) != key) return 0
  if (irm) { bad(key " appears twice"); return 1 }
  irm = m
  if (substr(s, p, 1) == "[") irlist(); else { irtype = "other"; value(1) }
  return 1
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
    if (c != ",") return bad("expected , or ] in " key)
    p++
  }
}
function inir(x,   i) { for (i = 1; i <= ne; i++) if (EV[i] == x) return 1; return 0 }
function wanted(x,   i) { for (i = 1; i <= nw; i++) if (W[i] == x) return 1; return 0 }
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
  list = "\"" key "\": [" list "]"
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
