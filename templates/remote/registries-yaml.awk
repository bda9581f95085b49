# Edits k3s's or RKE2's /etc/rancher/{k3s,rke2}/registries.yaml ON THE NODE: the entry
# configs."ADDR" with `auth` (unless auth=0) and `tls.ca_file`, or (section=mirrors, for --mirrors)
# mirrors."UPSTREAM" with `endpoint: ["https://MIRROR"]`. POSIX awk (mawk, gawk, busybox awk), LC_ALL=C.
#
# YAML is too large a language to rewrite safely with awk, so this never rewrites: it adds or
# removes whole lines of its own, between two comment lines that name the address
# (`# registry-setup: ADDR` ... `# registry-setup: end ADDR`; `# registry-setup mirror: …` under
# mirrors), under the top-level block mapping `configs:` or `mirrors:` (added at the end when missing). Every other line stays as it was. A file
# in a shape it cannot be sure of (flow style at the top, tabs in indentation, more than one
# document, `configs` not a block mapping) is refused, and left as it was.
#
# The file is ARGV[1] (/dev/null for a new one). Variables: op=add|remove, key=ADDR (or UPSTREAM),
# section=configs|mirrors (default configs), auth=0 (configs: no login, for a mirror), endpoint=URL (mirrors), ca=PATH,
# out=PATH, dropkey=1 (remove: also drop `configs:` when nothing is left under it). The user
# and password come as quoted YAML scalars in ENVIRON["RS_KU"] and ENVIRON["RS_KP"], never argv.
# Stdout: `added`, `replaced`, `key` (configs: was added), `removed`, `empty`, `error TEXT`.
# Exit: 0 written, 3 nothing to change, 4 a shape it will not edit, 5 an entry not ours.
BEGIN {
  RS = "\001"; if (section == "") section = "configs"
  mark = section == "mirrors" ? "# registry-setup mirror: " : "# registry-setup: "
}
{ s = s (NR > 1 ? RS : "") $0 }
END {
  nl = (s == "") ? 0 : split(s, L, "\n")
  fin = nl > 0 && L[nl] == ""; if (fin) nl--
  scan()
  if (op == "add") add()
  if (op == "remove") remove()
  exit 3
}
function fail(code, msg) { print "error " msg; exit code }
function indent(l) { match(l, /^ */); return RLENGTH }
function stripped(l) { sub(/^ +/, "", l); return l }
function scan(   i, l, t, content) {
  for (i = 1; i <= nl; i++) {
    l = L[i]; t = stripped(l)
    if (t == mark key) { if (ms) fail(4, "the registry-setup lines for " key " appear twice"); ms = i }
    if (t == mark "end " key) me = i
    if (l ~ /^[ \t]*$/) continue
    if (t ~ /^#/) { if (cfg && !cend && l ~ /^ /) last = i; continue }
    if (match(l, /^[ \t]*/) && index(substr(l, 1, RLENGTH), "\t")) fail(4, "a tab in the indentation (line " i ")")
    if (l ~ /^(---|\.\.\.)([ \t]|$)/) { if (content || l !~ /^---[ \t]*$/) fail(4, "more than one YAML document (line " i ")"); continue }
    content = 1
    if (l ~ /^ /) { if (cfg && !cend) { last = i; if (!ind) ind = indent(l) }; continue }
    if (cfg && !cend) cend = i
    if (l ~ /^[^A-Za-z_]/) fail(4, "line " i " is not a plain top-level key")
    if (index(l, section) == 1 && substr(l, length(section) + 1) ~ /^[ \t]*:/) {
      if (cfg) fail(4, section " appears twice")
      if (substr(l, length(section) + 1) !~ /^[ \t]*:[ \t]*(#.*)?$/) fail(4, section " is not a block mapping (line " i ")")
      cfg = i
    }
  }
  if (cfg && !cend) cend = nl + 1
  if (!ms != !me || me < ms) fail(4, "the registry-setup lines for " key " are not a pair")
  if (!ind) ind = 2
  for (i = cfg + 1; cfg && i < cend; i++) {
    if (ms && i >= ms && i <= me) continue
    if (indent(L[i]) != ind) continue
    t = stripped(L[i])
    if (index(t, "\"" key "\":") == 1 || index(t, "'" key "':") == 1 || index(t, key ":") == 1) fail(5, section " already has an entry for " key " that registry-setup did not write")
  }
}
# The lines of our entry, at the indentation the file already uses under configs.
function block(d,   b, u, p) {
  u = ENVIRON["RS_KU"]; p = ENVIRON["RS_KP"]
  nb = 0
  B[++nb] = d mark key
  B[++nb] = d "\"" key "\":"
  if (section == "mirrors") { B[++nb] = d d "endpoint:"; B[++nb] = d d d "- \"" endpoint "\"" }
  if (section == "configs" && auth != "0") { B[++nb] = d d "auth:"; B[++nb] = d d d "username: " u; B[++nb] = d d d "password: " p }
  if (ca != "") { B[++nb] = d d "tls:"; B[++nb] = d d d "ca_file: \"" ca "\"" }
  B[++nb] = d mark "end " key
}
function spaces(k,   r) { while (k-- > 0) r = r " "; return r }
# Lines 1..a-1, then `extra` and the block (if with), then lines b..nl; a final newline if endnl.
function emit(a, b, with, extra, endnl,   i, r, k) {
  for (i = 1; i < a; i++) r = r (k++ ? "\n" : "") L[i]
  if (extra != "") r = r (k++ ? "\n" : "") extra
  for (i = 1; with && i <= nb; i++) r = r (k++ ? "\n" : "") B[i]
  for (i = b; i <= nl; i++) r = r (k++ ? "\n" : "") L[i]
  printf "%s", r (endnl && k ? "\n" : "") > out; close(out); exit 0
}
function add(   i, same) {
  if (ms) {
    block(spaces(indent(L[ms])))
    same = (me - ms + 1 == nb)
    for (i = 0; same && i < nb; i++) if (L[ms + i] != B[i + 1]) same = 0
    if (same) exit 3
    print "replaced"; emit(ms, me + 1, 1, "", fin)
  }
  block(spaces(ind))
  print "added"
  if (cfg) { i = last ? last : cfg; emit(i + 1, i + 1, 1, "", fin || i == nl) }
  print "key"
  emit(nl + 1, nl + 1, 1, section ":", 1)
}
function remove(   i, left, k) {
  if (!ms) exit 3
  print "removed"
  for (i = 1; i <= nl; i++) if (i < ms || i > me) KEEP[++k] = L[i]
  # Is anything but comments and blank lines left under configs?
  for (i = cfg + 1; cfg && i < cend; i++) if ((i < ms || i > me) && L[i] ~ /^ +[^ #]/) left = 1
  nl = 0
  # Our lines all come after configs:, so its line number is the same in KEEP.
  for (i = 1; i <= k; i++) if (!(dropkey && !left && i == cfg)) L[++nl] = KEEP[i]
  left = 0
  for (i = 1; i <= nl; i++) if (L[i] !~ /^[ \t]*$/) left = 1
  if (!left) { print "empty"; nl = 0 }
  emit(nl + 1, nl + 1, 0, "", fin)
}
