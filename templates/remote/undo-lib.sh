# registry-setup: untrust-node. Reverses what the records of the given addresses say,
# newest change first, and nothing else. Records hold node paths: each is reached as $RS_ROOT$P.
rs_undo_rm() {
  [ -e "$RS_ROOT$1" ] || [ -L "$RS_ROOT$1" ] || return 0
  rm -f "$RS_ROOT$1"
  rs_say "change removed $1"
  case $1 in "$RS_CADEB"/* | "$RS_CARH"/*) RS_SYS=1 ;; esac
}
# Drops the first line that is exactly $1, keeping every other byte of /etc/hosts.
rs_hosts_drop() {
  rs_read "$RS_ROOT$RS_HOSTS" || return 0
  rs_h="$RS_NL$RS_R"
  case $rs_h in *"$RS_NL$1$RS_NL"*) ;; *) return 0 ;; esac
  rs_h="${rs_h%%"$RS_NL$1$RS_NL"*}$RS_NL${rs_h#*"$RS_NL$1$RS_NL"}"
  rs_write "$RS_ROOT$RS_HOSTS" "${rs_h#?}"
  rs_say "change removed the line $1 from $RS_HOSTS"
}
rs_undo() {
  rs_all=; rs_ins=; rs_mir=; rs_mk=0; RS_DK=0; RS_DF=0; RS_SYS=0; RS_CK=0; RS_CF=0; RS_YK=0; RS_YF=0; RS_YMK=0
  for rs_a in "$@"; do if rs_read "$RS_DB/$rs_a.list"; then rs_all="$rs_all$RS_R"; fi; done
  [ -n "$rs_all" ] || return 0
  rs_rev=; IFS=$RS_NL
  for rs_x in $rs_all; do
    rs_rev="$rs_x$RS_NL$rs_rev"
    case $rs_x in "insecure "*) rs_ins="$rs_ins ${rs_x#insecure }" ;; daemonkey) RS_DK=1 ;; daemonfile) RS_DF=1 ;; esac
    case $rs_x in "mirror "*) rs_mir="$rs_mir ${rs_x#mirror }" ;; mirrorkey) rs_mk=1 ;; esac
    # Whether a key or file we added may go once it is empty, whichever address's record says so.
    case $rs_x in "dockerauthkey "*) RS_CK=1 ;; "dockerconfig "*) RS_CF=1 ;; "rancherkey "*) RS_YK=1 ;; "ranchermirrorkey "*) RS_YMK=1 ;; "rancherfile "*) RS_YF=1 ;; esac
  done
  IFS=$RS_IFS
  [ -z "$rs_ins" ] || rs_insecure_remove $rs_ins
  # dockerd keeps mirrors whose key is deleted: rs_list_remove reloads with the shortened list first.
  if [ -n "$rs_mir" ]; then RS_DK=$rs_mk; rs_mirrors_remove $rs_mir; fi
  rs_login_undo "$@"
  IFS=$RS_NL
  for rs_x in $rs_rev; do
    case $rs_x in
      "file "*) rs_undo_rm "${rs_x#file }" ;;
      "backup "*) rs_undo_rm "${rs_x#backup }" ;;
      "replaced "*)
        rs_p=${rs_x#replaced }; rs_b=${rs_p#* }; rs_p=${rs_p%% *}
        if [ -e "$RS_ROOT$rs_b" ]; then mv -f "$RS_ROOT$rs_b" "$RS_ROOT$rs_p"; rs_say "change restored $rs_p"; fi ;;
      "hosts "*) rs_hosts_drop "${rs_x#hosts }" ;;
    esac
  done
  # Directories last, deepest first; one we made that now holds someone else's files stays.
  rs_more=1
  while [ "$rs_more" = 1 ]; do
    rs_more=0
    for rs_x in $rs_rev; do
      case $rs_x in "dir "*) if [ -d "$RS_ROOT${rs_x#dir }" ] && rmdir "$RS_ROOT${rs_x#dir }" 2>/dev/null; then rs_more=1; rs_say "change removed ${rs_x#dir }"; fi ;; esac
    done
  done
  IFS=$RS_IFS
  [ "$RS_SYS" = 0 ] || rs_sysupdate --fresh
  for rs_a in "$@"; do rm -f "$RS_DB/$rs_a.list"; done
  rmdir "$RS_DB" "${RS_DB%/*}" 2>/dev/null || :
}
