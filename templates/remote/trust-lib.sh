# registry-setup: the fixed part of every trust-node / untrust-node script.
# POSIX sh (dash, busybox sh, bash). Builtins wherever they do the job (read, printf, case,
# command -v), so a docker certs-mode run that changes nothing starts no process besides sh itself.
#
# Every change is noted in /var/lib/registry-setup/trust/ADDR.list BEFORE it is made, one line
# each, so untrust-node can undo exactly that, even after an interrupted run:
#   dir P | file P | replaced P BACKUP | backup P | hosts LINE | insecure ADDR | daemonkey | daemonfile
# Lines for registry-setup on stdout: @@rs change|warn|error|state|runtimes TEXT
# (all of these names are in src/remote/script-contract.ts, and a test holds both sides to it).
#
# RS_ROOT (set before this library; empty on a node) stands in for /, so unit tests can run the
# whole script in a temp dir. Arguments, records and @@rs lines carry the node's own paths;
# only the file system access adds "$RS_ROOT", so a node's records and output never show it.
RS_HOSTS=/etc/hosts
RS_DJN=/etc/docker/daemon.json
RS_CADEB=/usr/local/share/ca-certificates
RS_CARH=/etc/pki/ca-trust/source/anchors
RS_CTD=/etc/containerd/config.toml
# Accessed only, never shown: these two hold the prefix already.
RS_DB=$RS_ROOT/var/lib/registry-setup/trust
RS_DJ=$RS_ROOT$RS_DJN
RS_NL='
'
RS_IFS=' 	
'
IFS=$RS_IFS
rs_say() { printf '@@rs %s\n' "$*"; }
rs_fail() { rs_say "error $*"; exit 1; }
# The file's exact text into RS_R (read keeps a last line that has no newline).
rs_read() {
  RS_R=
  [ -f "$1" ] || return 1
  while IFS= read -r rs_l; do RS_R="$RS_R$rs_l$RS_NL"; done < "$1"
  RS_R="$RS_R$rs_l"
}
rs_open() { RS_RECF="$RS_DB/$1.list"; rs_read "$RS_RECF" || :; RS_REC="$RS_NL$RS_R"; }
rs_has() { case $RS_REC in *"$RS_NL$1$RS_NL"*) return 0 ;; esac; return 1; }
rs_note() {
  [ -d "$RS_DB" ] || mkdir -p "$RS_DB"
  printf '%s\n' "$1" >> "$RS_RECF"
  RS_REC="$RS_REC$1$RS_NL"
}
# rs_mkdirs DIR (a node path).
rs_mkdirs() {
  [ -z "$1" ] || [ -d "$RS_ROOT$1" ] && return 0
  rs_mkdirs "${1%/*}"
  rs_note "dir $1"
  mkdir "$RS_ROOT$1"
}
# rs_write FILE TEXT, FILE as the file system has it (prefixed).
# Readers see the old file or the new one, never half: a temp file beside it, then rename.
# A file that exists keeps its mode and owner: the temp starts as a copy (cp -p), then its text is replaced.
rs_write() {
  rs_t="${1%/*}/.${1##*/}.rs-$$"
  [ ! -e "$1" ] || cp -p "$1" "$rs_t"
  printf '%s' "$2" > "$rs_t"
  mv -f "$rs_t" "$1"
}
# rs_adopt FILE NEW: NEW gets FILE's mode and owner, keeping its own bytes.
rs_adopt() { cp -p "$1" "$2.m"; cat "$2" > "$2.m"; mv -f "$2.m" "$2"; }
# rs_put FILE TEXT and rs_check FILE TEXT: FILE is a node path.
rs_put() {
  rs_f=$RS_ROOT$1
  if rs_read "$rs_f"; then
    [ "$RS_R" = "$2" ] && return 0
    if ! rs_has "file $1"; then
      case $RS_REC in *"${RS_NL}replaced $1 "*) ;; *) cp -p "$rs_f" "$rs_f.bak-$RS_STAMP"; rs_note "replaced $1 $1.bak-$RS_STAMP" ;; esac
    fi
  elif [ -e "$rs_f" ]; then rs_fail "$1 exists but is not a regular file"
  else rs_mkdirs "${1%/*}"; rs_note "file $1"
  fi
  rs_write "$rs_f" "$2"
  rs_say "change wrote $1"
}
rs_check() {
  if ! rs_read "$RS_ROOT$1"; then rs_say "state missing $1"
  elif [ "$RS_R" = "$2" ]; then rs_say "state ok $1"
  else rs_say "state differs $1"; fi
}
rs_on() { command -v "$1" >/dev/null 2>&1; }
# rs_edit FILE NODEPATH OUT AWK...: runs one of the awk editors (config-json.awk, registries-yaml.awk, …) on
# FILE; sets RS_O (its report) and RS_ST (its exit: 0 written to OUT, 3 nothing to change).
# A file it cannot read is left as it was, and the host fails naming it.
rs_edit() {
  rs_jf=$1 rs_jn=$2 rs_jo=$3; shift 3; RS_ST=0
  # busybox awk ends a record at a NUL (older ones drop what follows), so one can slip past
  # the awk unseen; count them here. An unreadable file counts 0 and is left to awk to report.
  case $(tr -cd '\000' 2>/dev/null < "$rs_jf" | wc -c) in
    *[1-9]*) RS_ST=4 RS_O="error it holds a NUL byte, which no JSON or YAML file may" ;;
    *) RS_O=$(umask 077; export RS_JV RS_KU RS_KP; "$@") || RS_ST=$? ;;
  esac
  case $RS_ST in 0|3) ;; 4|5) rm -f "$rs_jo"; rs_fail "$rs_jn was left as it was: ${RS_O#error }" ;;
    *) rm -f "$rs_jo"; rs_fail "awk could not read $rs_jn (exit $RS_ST): $RS_O" ;; esac
}
# Docker always ships containerd as its engine: that alone is no runtime people pull with.
rs_detect() {
  RS_RT=
  ! rs_on dockerd || RS_RT=" docker"
  if rs_on containerd && { [ -z "$RS_RT" ] || rs_on kubelet || rs_on crictl || rs_on nerdctl; }; then RS_RT="$RS_RT containerd"; fi
  ! { rs_on podman || rs_on crio; } || RS_RT="$RS_RT podman"
  # k3s and RKE2 run a containerd of their own that is not on PATH: with --login (RS_JV) there is
  # still their registries.yaml to write, so such a node is no failure.
  if [ -z "$RS_RT" ] && ! { [ -n "${RS_JV-}" ] && { [ -d "$RS_ROOT/etc/rancher/k3s" ] || [ -d "$RS_ROOT/etc/rancher/rke2" ]; }; }; then
    rs_fail "no container runtime found (dockerd, containerd, podman, cri-o); choose one with --runtime"
  fi
  RS_RT="$RS_RT "
  rs_say "runtimes$RS_RT"
}
rs_rt() { case $RS_RT in *" $1 "*) return 0 ;; esac; return 1; }
rs_containerd_path() {
  grep -Eqs '^[[:space:]]*config_path[[:space:]]*=' "$RS_ROOT$RS_CTD" ||
    rs_say 'warn containerd reads /etc/containerd/certs.d only when config_path is set: add config_path = "/etc/containerd/certs.d" under [plugins."io.containerd.grpc.v1.cri".registry] in /etc/containerd/config.toml, then restart containerd'
}
# --hosts-entry: only for a name the node cannot resolve.
rs_hosts_add() {
  getent hosts "$1" >/dev/null 2>&1 && return 0
  rs_read "$RS_ROOT$RS_HOSTS" || :
  case $RS_R in "" | *"$RS_NL") ;; *) RS_R="$RS_R$RS_NL" ;; esac
  rs_note "hosts $2 $1"
  rs_write "$RS_ROOT$RS_HOSTS" "$RS_R$2 $1$RS_NL"
  rs_say "change added $2 $1 to $RS_HOSTS"
}
rs_hosts_check() { if getent hosts "$1" >/dev/null 2>&1; then rs_say "state ok $1 resolves"; else rs_say "state missing $1 resolves"; fi; }
# --system-trust: Debian-like or RHEL-like CA store; RS_SD is a node path.
rs_sysdir() {
  if rs_on update-ca-certificates; then RS_SD=$RS_CADEB
  elif rs_on update-ca-trust; then RS_SD=$RS_CARH
  else rs_fail "--system-trust: the node has neither update-ca-certificates nor update-ca-trust"; fi
}
# rs_sysupdate [--fresh]: Debian's tool drops a removed CA from the bundle only with --fresh.
rs_sysupdate() {
  if rs_on update-ca-certificates; then update-ca-certificates "$@" >/dev/null; else update-ca-trust extract; fi
  rs_say "change refreshed the system CA store"
}
rs_systrust() {
  rs_sysdir
  rs_read "$RS_ROOT$RS_SD/$1" && [ "$RS_R" = "$2" ] && return 0
  rs_put "$RS_SD/$1" "$2"
  rs_sysupdate
}
rs_systrust_check() { rs_sysdir; rs_check "$RS_SD/$1" "$2"; }
