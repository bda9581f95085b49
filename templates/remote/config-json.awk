# Edits one `auths` entry of root's Docker client config (~/.docker/config.json) ON THE NODE.
# It runs after json-lib.awk, which reads and validates the whole document; then it makes ONE
# splice and copies every other byte as it was (credsStore, credHelpers, other registries'
# entries, the file's own layout). A removal is the exact inverse of an addition, so
# untrust-node can put a file back byte for byte.
#
# The docker CLI (Go) matches the top-level key without regard to case, as json-lib's readers
# do; the entries under it are compared as decoded strings.
#
# Variables: op=add|remove|restore|check, key=ADDR (holds no quotes or backslashes),
# out=PATH (the new document), old=PATH (add: where a replaced value's text goes),
# dropkey=1 (remove: also drop `auths` when it ends up empty, because we added it).
# ENVIRON["RS_JV"]: the value text to write (add), or to put back (restore). It comes from the
# environment, never from argv: it is a credential.
# Stdout: `added`, `replaced`, `key` (auths was added), `removed`, `empty` (no member left),
# `present` (check: the entry holds RS_JV), `error TEXT`.
# Exit: 0 new document written (or check done), 3 nothing to change, 4 not valid JSON,
# 5 auths is not an object.
#
END {
  parse(); val = ENVIRON["RS_JV"]
  if (atype == "other") { print "error auths is not an object"; exit 5 }
  if (op == "check") { if (am && substr(s, VS[am], EE[am] - VS[am]) == val) print "present"; exit 0 }
  if (op == "add") add()
  if (op == "remove" || op == "restore") remove()
  exit 3
}
# The docker CLI (Go) matches the key without regard to case.
function member(k, m) {
  if (tolower(k) != "auths") return 0
  if (akm) { bad("auths appears twice"); return 1 }
  akm = m
  if (substr(s, p, 1) == "{") auths(); else { atype = "other"; value(1) }
  return 1
}
# Members of auths: ES start (its key), VS value start, EE value end; am is the one for `key`.
function auths(   c, k) {
  atype = "object"; io = p; p++; ws()
  if (substr(s, p, 1) == "}") { ic = p; p++; return }
  while (!err) {
    ws(); ne++; ES[ne] = p
    if (substr(s, p, 1) != "\"") return bad("expected a quoted key in auths")
    k = str(); ws()
    if (err) return
    if (substr(s, p, 1) != ":") return bad("expected : after a key in auths")
    p++; ws(); VS[ne] = p
    value(2)
    if (err) return
    EE[ne] = p
    if (k == key) { if (am) return bad("auths names " key " twice"); am = ne }
    ws(); c = substr(s, p, 1)
    if (c == "}") { ic = p; p++; return }
    if (c != ",") return bad("expected , or } in auths")
    p++
  }
}
function add(   m) {
  if (am) {
    if (substr(s, VS[am], EE[am] - VS[am]) == val) exit 3
    printf "%s", substr(s, VS[am], EE[am] - VS[am]) > old; close(old)
    print "replaced"
    splice(VS[am], EE[am], val)
  }
  print "added"
  m = "\"" key "\": " val
  if (atype == "object" && ne) splice(EE[ne], EE[ne], sepfor(io, ES[1], ne > 1 ? EE[ne - 1] : 0, ES[ne]) m)
  if (atype == "object") splice(io + 1, io + 1, m)
  print "key"
  m = "\"auths\": {" m "}"
  if (blank) splice(1, 1, "{" m "}")
  if (!nm) splice(ob + 1, ob + 1, m)
  splice(MV[nm], MV[nm], sepfor(ob, MK[1], nm > 1 ? MV[nm - 1] : 0, MK[nm]) m)
}
function remove() {
  if (!am) exit 3
  if (op == "restore") { print "restored"; splice(VS[am], EE[am], val) }
  print "removed"
  if (ne == 1 && dropkey) {
    if (nm == 1) { print "empty"; splice(MK[1], MV[1], "") }
    if (akm == nm) splice(MV[nm - 1], MV[nm], "")
    splice(MK[akm], MK[akm + 1], "")
  }
  if (ne == 1) splice(ES[1], EE[1], "")
  if (am > 1) splice(EE[am - 1], EE[am], "")
  splice(ES[1], ES[2], "")
}
