# registry-setup: dockerd's two lists in daemon.json, `insecure-registries` (insecure mode) and
# `registry-mirrors` (--mirrors). daemon.json is edited by daemon-json.awk (RS_AWK), then
# dockerd is reloaded (never restarted) and must confirm the change in `docker info`,
# or the previous file goes back. rs_list_use picks the list: its key, its record kinds
# (insecure/daemonkey or mirror/mirrorkey) and how `docker info` shows it. RS_DJ is daemon.json as the file system has it (prefixed,
# which is what rs_dj reads); records and @@rs lines name it RS_DJN, as the node does.
# Reload, never restart: SIGHUP makes dockerd re-read daemon.json and keeps containers running.
rs_reload() {
  if [ -d "$RS_ROOT/run/systemd/system" ] && systemctl is-active --quiet docker 2>/dev/null; then systemctl reload docker; return; fi
  rs_pid=; rs_c=
  [ ! -r "$RS_ROOT/var/run/docker.pid" ] || read -r rs_pid < "$RS_ROOT/var/run/docker.pid" || :
  [ -z "$rs_pid" ] || [ ! -r "/proc/$rs_pid/comm" ] || read -r rs_c < "/proc/$rs_pid/comm" || :
  [ "$rs_c" = dockerd ] || rs_pid=$(pidof dockerd 2>/dev/null) || :
  [ -n "$rs_pid" ] || return 2
  kill -HUP $rs_pid
}
rs_list_use() {
  case $1 in
    insecure) RS_DKEY=insecure-registries RS_DREC=insecure RS_DKREC=daemonkey ;;
    *) RS_DKEY=registry-mirrors RS_DREC=mirror RS_DKREC=mirrorkey ;;
  esac
}
rs_list_use insecure
rs_listed() {
  if [ "$RS_DREC" = insecure ]; then
    RS_L=" $(docker info --format '{{range $k, $v := .RegistryConfig.IndexConfigs}}{{if not $v.Secure}}{{$k}} {{end}}{{end}}' 2>/dev/null || :) "
    return 0
  fi
  # dockerd shows each mirror with a final slash; daemon.json's entries have none.
  RS_L=' '
  for rs_m in $(docker info --format '{{range .RegistryConfig.Mirrors}}{{.}} {{end}}' 2>/dev/null || :); do RS_L="$RS_L${rs_m%/} "; done
}
# rs_wait present|absent ADDR...: until dockerd reports each ADDR so (about 5 s).
rs_wait() {
  rs_w=$1; shift; rs_i=0
  while :; do
    rs_listed; rs_ok=1
    for rs_a in "$@"; do
      case $RS_L in *" $rs_a "*) [ "$rs_w" = present ] || rs_ok=0 ;; *) [ "$rs_w" = absent ] || rs_ok=0 ;; esac
    done
    [ "$rs_ok" = 0 ] || return 0
    rs_i=$((rs_i + 1)); [ "$rs_i" -lt 25 ] || return 1
    sleep 0.2 2>/dev/null || sleep 1
  done
}
# rs_settle present|absent ADDR...: reload dockerd and confirm; 1 when it did not take the file.
rs_settle() {
  if ! rs_on docker; then rs_say "warn no docker CLI on the node to confirm dockerd took the change"; return 0; fi
  rs_st=0; rs_reload || rs_st=$?
  if [ "$rs_st" = 2 ]; then rs_say "warn dockerd is not running; it reads the change when it starts"; return 0; fi
  [ "$rs_st" = 0 ] && rs_wait "$@" && rs_say "change reloaded dockerd"
}
# rs_dj OP DROPKEY OUT ADDR...: runs the daemon.json awk; sets RS_O (its report) and RS_ST (its exit).
rs_dj() {
  rs_op=$1 rs_dk=$2 rs_out=$3; shift 3
  rs_edit "$RS_DJ" "$RS_DJN" "$rs_out" awk -v op="$rs_op" -v key="$RS_DKEY" -v want="$*" -v out="$rs_out" -v dropkey="$rs_dk" "$RS_AWK" "$RS_DJ"
}
rs_insecure_add() { rs_list_use insecure; rs_list_add "$@"; }
rs_insecure_remove() { rs_list_use insecure; rs_list_remove "$@"; }
rs_insecure_check() { rs_list_use insecure; rs_list_check "$@"; }
# --mirrors: dockerd mirrors docker.io only; each entry is https://MIRROR.
rs_mirrors_add() { rs_list_use mirror; rs_list_add "$@"; }
rs_mirrors_remove() { rs_list_use mirror; rs_list_remove "$@"; }
rs_mirrors_check() { rs_list_use mirror; rs_list_check "$@"; }
# rs_list_add ENTRY...: merge into the list, reload, confirm; roll back if refused.
# Each entry is noted in its registry's record: a mirror's URL in that of its address.
rs_list_add() {
  rs_new=0
  if [ -e "$RS_DJ" ]; then rs_dj add 0 "$RS_DJ.rs-$$" "$@"
  else rs_new=1; RS_ST=0; RS_O=key; for rs_a in "$@"; do RS_O="$RS_O${RS_NL}added $rs_a"; done; fi
  if [ "$RS_ST" = 3 ]; then
    # In the file already; a reload may still be missing (dockerd was down, or someone edited by hand).
    rs_on docker && [ -n "$(pidof dockerd 2>/dev/null || :)" ] || return 0
    rs_listed; rs_ok=1
    for rs_a in "$@"; do case $RS_L in *" $rs_a "*) ;; *) rs_ok=0 ;; esac; done
    [ "$rs_ok" = 1 ] || rs_settle present "$@" || rs_fail "dockerd does not list $* even after a reload (see its log)"
    return 0
  fi
  rs_added=; rs_key=0; IFS=$RS_NL
  for rs_x in $RS_O; do case $rs_x in "added "*) rs_added="$rs_added ${rs_x#added }" ;; key) rs_key=1 ;; esac; done
  IFS=$RS_IFS; rs_i=0
  for rs_a in $rs_added; do
    rs_i=$((rs_i + 1)); rs_open "${rs_a#https://}"; eval "rs_sv$rs_i=\$RS_R"
    rs_note "$RS_DREC $rs_a"
    [ "$rs_key" = 0 ] || rs_note "$RS_DKREC"
    if [ "$rs_new" = 1 ]; then rs_note daemonfile; else rs_note "backup $RS_DJN.bak-$RS_STAMP"; fi
  done
  if [ "$rs_new" = 1 ]; then
    rs_mkdirs "${RS_DJN%/*}"; rs_j=
    for rs_a in "$@"; do rs_j="$rs_j${rs_j:+, }\"$rs_a\""; done
    rs_write "$RS_DJ" "{$RS_NL  \"$RS_DKEY\": [$rs_j]$RS_NL}$RS_NL"
  else
    cp -p "$RS_DJ" "$RS_DJ.bak-$RS_STAMP"
    rs_adopt "$RS_DJ" "$RS_DJ.rs-$$"
    mv -f "$RS_DJ.rs-$$" "$RS_DJ"
  fi
  rs_say "change added$rs_added to $RS_DKEY in $RS_DJN"
  rs_settle present $rs_added && return 0
  if [ "$rs_new" = 1 ]; then rm -f "$RS_DJ"; else mv -f "$RS_DJ.bak-$RS_STAMP" "$RS_DJ"; fi
  rs_i=0
  for rs_a in $rs_added; do
    rs_i=$((rs_i + 1)); rs_open "${rs_a#https://}"; eval "rs_x=\$rs_sv$rs_i"
    if [ -n "$rs_x" ]; then rs_write "$RS_RECF" "$rs_x"; else rm -f "$RS_RECF"; fi
  done
  rmdir "$RS_DB" "${RS_DB%/*}" 2>/dev/null || :
  rs_reload || :
  rs_fail "dockerd did not take the new $RS_DJN (see its log, e.g. journalctl -u docker); the previous file is back"
}
# rs_list_remove ENTRY...: the exact inverse; RS_DK=1 drops a key we added, RS_DF=1 a file we created.
# dockerd replaces its list on reload only when the file names the key, so it first gets the
# shortened list; the key we added goes afterwards, with no reload (a restart reads the same).
rs_list_remove() {
  [ -e "$RS_DJ" ] || return 0
  rs_dj remove 0 "$RS_DJ.rs-$$" "$@"
  [ "$RS_ST" = 0 ] || return 0
  rs_gone=; IFS=$RS_NL
  for rs_x in $RS_O; do case $rs_x in "removed "*) rs_gone="$rs_gone ${rs_x#removed }" ;; esac; done
  IFS=$RS_IFS; rs_final=
  if [ "$RS_DK" = 1 ]; then rs_dj remove 1 "$RS_DJ.rs-final-$$" "$@"; rs_final="$RS_NL$RS_O$RS_NL"; fi
  rs_u="$RS_DJ.rs-undo-$$"
  cp -p "$RS_DJ" "$rs_u"
  rs_adopt "$RS_DJ" "$RS_DJ.rs-$$"
  [ -z "$rs_final" ] || rs_adopt "$RS_DJ" "$RS_DJ.rs-final-$$"
  mv -f "$RS_DJ.rs-$$" "$RS_DJ"
  rs_say "change removed$rs_gone from $RS_DKEY in $RS_DJN"
  if ! rs_settle absent $rs_gone; then
    mv -f "$rs_u" "$RS_DJ"; rm -f "$RS_DJ.rs-final-$$"; rs_reload || :
    rs_fail "dockerd did not take the edited $RS_DJN; the previous file is back"
  fi
  rm -f "$rs_u"
  case $rs_final in
    "") ;;
    *"${RS_NL}empty$RS_NL"*) if [ "$RS_DF" = 1 ]; then rm -f "$RS_DJ" "$RS_DJ.rs-final-$$"; rs_say "change removed $RS_DJN"; else mv -f "$RS_DJ.rs-final-$$" "$RS_DJ"; fi ;;
    *) mv -f "$RS_DJ.rs-final-$$" "$RS_DJ" ;;
  esac
}
rs_list_check() {
  if [ -e "$RS_DJ" ]; then rs_dj check 0 /dev/null "$@"; else RS_O=; fi
  for rs_a in "$@"; do
    case "$RS_NL$RS_O$RS_NL" in *"${RS_NL}present $rs_a$RS_NL"*) rs_say "state ok $RS_DJN lists $rs_a" ;; *) rs_say "state missing $RS_DJN lists $rs_a" ;; esac
  done
  rs_on docker || return 0
  rs_listed
  for rs_a in "$@"; do case $RS_L in *" $rs_a "*) rs_say "state ok dockerd lists $rs_a" ;; *) rs_say "state missing dockerd lists $rs_a" ;; esac; done
}
