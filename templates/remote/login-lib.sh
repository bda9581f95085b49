# registry-setup: trust-node --login. A node pulls with no `docker login` of its own:
#   docker:    root's ~/.docker/config.json gets auths."ADDR" = RS_JV (config-json.awk, RS_CJAWK);
#   k3s/RKE2:  /etc/rancher/{k3s,rke2}/registries.yaml gets configs."ADDR" with auth and
#              tls.ca_file (registries-yaml.awk, RS_KYAWK), where that directory exists.
# The credential (RS_JV, RS_KU, RS_KP) is set by the script, which came on stdin; it reaches awk
# through the environment of that one process (rs_edit), never through argv.
# Records, beside trust's: dockerauth P (we added the entry), dockerauthold P (we replaced one;
# its text is in RECORDS/ADDR.auth-old), dockerauthkey P (we added `auths`), dockerconfig P (we
# created the file), rancherentry P, rancherkey P (we added `configs:`), rancherfile P (we created it);
# --mirrors: ranchermirror P UPSTREAM (our mirrors."UPSTREAM"), ranchermirrorkey P (we added `mirrors:`).
RS_KCH=
# Root's home, where the docker CLI run as root reads its config (sudo may keep another HOME).
rs_cjhome() {
  rs_pw=$(getent passwd root 2>/dev/null) || rs_pw=
  rs_h=${rs_pw#*:*:*:*:*:}; rs_h=${rs_h%%:*}
  case $rs_pw:$rs_h in *:/*) RS_CJN=$rs_h/.docker/config.json ;; *) RS_CJN=/root/.docker/config.json ;; esac
  RS_CJ=$RS_ROOT$RS_CJN
}
rs_cjrun() { rs_edit "$RS_CJ" "$RS_CJN" "$3" awk -v op="$1" -v key="$RS_A" -v out="$3" -v old="${4-}" -v dropkey="$2" "$RS_CJAWK" "$RS_CJ"; }
rs_has_line() { case "$RS_NL$RS_O$RS_NL" in *"$RS_NL$1$RS_NL"*) return 0 ;; esac; return 1; }
# rs_backup P: one backup per file and run, named in each address's record.
rs_backup() {
  [ -e "$RS_ROOT$1.bak-$RS_STAMP" ] || cp -p "$RS_ROOT$1" "$RS_ROOT$1.bak-$RS_STAMP"
  rs_has "backup $1.bak-$RS_STAMP" || rs_note "backup $1.bak-$RS_STAMP"
}
# rs_login ADDR CA: the calls after rs_open ADDR.
rs_login() {
  RS_A=$1
  ! rs_rt docker || rs_docker_auth "$1"
  for rs_k in k3s rke2; do [ ! -d "$RS_ROOT/etc/rancher/$rs_k" ] || rs_k3s_auth "$1" "$2" "/etc/rancher/$rs_k"; done
}
rs_docker_auth() {
  rs_cjhome
  if [ ! -e "$RS_CJ" ]; then
    rs_mkdirs "${RS_CJN%/*}"
    ! rs_has "dir ${RS_CJN%/*}" || chmod 700 "$RS_ROOT${RS_CJN%/*}"
    rs_note "dockerconfig $RS_CJN"; rs_note "dockerauthkey $RS_CJN"; rs_note "dockerauth $RS_CJN"
    (umask 077; rs_write "$RS_CJ" "{$RS_NL	\"auths\": {$RS_NL		\"$1\": $RS_JV$RS_NL	}$RS_NL}$RS_NL")
    rs_say "change wrote $RS_CJN with a login for $1"
    return 0
  fi
  [ -d "$RS_DB" ] || mkdir -p "$RS_DB"
  rs_old="$RS_DB/$1.auth-old"
  rs_cjrun add 0 "$RS_CJ.rs-$$" "$rs_old-$$"
  [ "$RS_ST" = 0 ] || return 0
  if ! rs_has_line replaced; then
    rs_note "dockerauth $RS_CJN"
    ! rs_has_line key || rs_note "dockerauthkey $RS_CJN"
  elif rs_has "dockerauth $RS_CJN" || rs_has "dockerauthold $RS_CJN"; then
    rm -f "$rs_old-$$" # our own entry, from an earlier run: the first one's record stands
  else
    mv -f "$rs_old-$$" "$rs_old"; rs_note "dockerauthold $RS_CJN"
  fi
  rs_backup "$RS_CJN"
  rs_adopt "$RS_CJ" "$RS_CJ.rs-$$"
  chmod 600 "$RS_CJ.rs-$$" # it holds a credential now, whatever mode it had
  mv -f "$RS_CJ.rs-$$" "$RS_CJ"
  if rs_has_line replaced; then rs_say "change replaced the login for $1 in $RS_CJN"; else rs_say "change added a login for $1 to $RS_CJN"; fi
}
# rs_k3s_auth ADDR CA DIR [AUTH] (DIR a node path): the CA beside registries.yaml, then the
# entry configs."ADDR" (with the login unless AUTH is 0: a mirror takes none).
rs_k3s_auth() {
  rs_kca=$3/registry-setup/$1/ca.crt rs_kf=$3/registries.yaml
  rs_put "$rs_kca" "$2"
  rs_k3s_edit "$rs_kf" rancherentry rancherkey -v key="$1" -v ca="$rs_kca" -v auth="${4-1}" || return 0
  if [ "${4-1}" = 0 ]; then rs_say "change set the CA for $1 in $rs_kf"; else rs_say "change set the login and CA for $1 in $rs_kf"; fi
}
# rs_k3s_mirror UPSTREAM MIRROR CA: --mirrors on a k3s/RKE2 node, after rs_open MIRROR.
rs_k3s_mirror() {
  for rs_k in k3s rke2; do
    [ -d "$RS_ROOT/etc/rancher/$rs_k" ] || continue
    rs_k3s_auth "$2" "$3" "/etc/rancher/$rs_k" 0
    rs_k3s_edit "/etc/rancher/$rs_k/registries.yaml" "ranchermirror" ranchermirrorkey -v key="$1" -v section=mirrors -v endpoint="https://$2" -v ca= -v auth=0 || continue
    rs_say "change set the mirror of $1 to https://$2 in /etc/rancher/$rs_k/registries.yaml"
  done
}
# rs_k3s_edit P ENTRYKIND KEYKIND AWKVARS...: one registries.yaml edit, recorded; 1 when nothing changed.
# The entry's record names the file, and for a mirror also its upstream (the awk's key).
rs_k3s_edit() {
  rs_kf=$1 rs_ke=$2 rs_kk=$3 rs_kn=0; shift 3
  rs_src=$RS_ROOT$rs_kf
  [ -e "$rs_src" ] || { rs_kn=1; rs_src=/dev/null; }
  rs_edit "$rs_src" "$rs_kf" "$RS_ROOT$rs_kf.rs-$$" awk -v op=add "$@" -v out="$RS_ROOT$rs_kf.rs-$$" -v dropkey=0 "$RS_KYAWK" "$rs_src"
  [ "$RS_ST" = 0 ] || return 1
  case $rs_ke in ranchermirror) rs_ke="$rs_ke $rs_kf ${2#key=}" ;; *) rs_ke="$rs_ke $rs_kf" ;; esac
  rs_has "$rs_ke" || rs_note "$rs_ke"
  ! rs_has_line key || rs_note "$rs_kk $rs_kf"
  if [ "$rs_kn" = 1 ]; then rs_note "rancherfile $rs_kf"
  else rs_backup "$rs_kf"; rs_adopt "$rs_src" "$RS_ROOT$rs_kf.rs-$$"; fi
  mv -f "$RS_ROOT$rs_kf.rs-$$" "$RS_ROOT$rs_kf"
  rs_kd=${rs_kf%/registries.yaml}; RS_KCH="$RS_KCH ${rs_kd##*/}"
}
# After every address: k3s and RKE2 read registries.yaml only when they start.
rs_k3s_restart() {
  [ -n "$RS_KCH" ] || return 0
  if [ "$RS_KRESTART" != 1 ]; then
    rs_say "warn k3s/RKE2 read registries.yaml only when they start: restart them for the change to apply (systemctl restart k3s, k3s-agent, rke2-server or rke2-agent), or run this again with --restart-k3s"
    return 0
  fi
  rs_kr=
  for rs_s in k3s k3s-agent rke2-server rke2-agent; do
    if systemctl is-active --quiet "$rs_s" 2>/dev/null; then systemctl restart "$rs_s"; rs_kr=1; rs_say "change restarted $rs_s"; fi
  done
  [ -n "$rs_kr" ] || rs_say "warn --restart-k3s: no k3s or rke2 service is running here; it reads registries.yaml when it starts"
}
# untrust-node: rs_login_undo ADDR..., before the generic undo (RS_CK, RS_CF, RS_YK, RS_YF set by it).
rs_login_undo() {
  for rs_a in "$@"; do
    rs_read "$RS_DB/$rs_a.list" || continue
    IFS=$RS_NL
    for rs_x in $RS_R; do
      IFS=$RS_IFS
      case $rs_x in
        "dockerauth "*) rs_cj_undo "$rs_a" "${rs_x#dockerauth }" ;;
        "dockerauthold "*) rs_cj_undo "$rs_a" "${rs_x#dockerauthold }" ;;
        "rancherentry "*) rs_ky_undo "$rs_a" "${rs_x#rancherentry }" configs "$RS_YK" ;;
        "ranchermirror "*) rs_x=${rs_x#ranchermirror }; rs_ky_undo "${rs_x#* }" "${rs_x%% *}" mirrors "$RS_YMK" ;;
      esac
    done
    IFS=$RS_IFS
  done
  rs_k3s_restart
}
# rs_cj_undo ADDR P: removes our entry, or puts back the one we replaced.
rs_cj_undo() {
  rs_f=$RS_ROOT$2 RS_A=$1 rs_op=remove
  [ -e "$rs_f" ] || return 0
  if rs_read "$RS_DB/$1.auth-old"; then RS_JV=$RS_R rs_op=restore; fi
  rs_edit "$rs_f" "$2" "$rs_f.rs-$$" awk -v op="$rs_op" -v key="$1" -v out="$rs_f.rs-$$" -v dropkey="$RS_CK" "$RS_CJAWK" "$rs_f"
  rm -f "$RS_DB/$1.auth-old"
  [ "$RS_ST" = 0 ] || return 0
  if rs_has_line empty && [ "$RS_CF" = 1 ]; then rm -f "$rs_f" "$rs_f.rs-$$"; rs_say "change removed $2"; return 0; fi
  rs_adopt "$rs_f" "$rs_f.rs-$$"; mv -f "$rs_f.rs-$$" "$rs_f"
  if [ "$rs_op" = restore ]; then rs_say "change put back the earlier login for $1 in $2"; else rs_say "change removed the login for $1 from $2"; fi
}
# rs_ky_undo KEY P SECTION DROPKEY
rs_ky_undo() {
  rs_f=$RS_ROOT$2
  [ -e "$rs_f" ] || return 0
  rs_edit "$rs_f" "$2" "$rs_f.rs-$$" awk -v op=remove -v key="$1" -v section="$3" -v out="$rs_f.rs-$$" -v dropkey="$4" "$RS_KYAWK" "$rs_f"
  [ "$RS_ST" = 0 ] || return 0
  RS_KCH="$RS_KCH x"
  if rs_has_line empty && [ "$RS_YF" = 1 ]; then rm -f "$rs_f" "$rs_f.rs-$$"; rs_say "change removed $2"; return 0; fi
  rs_adopt "$rs_f" "$rs_f.rs-$$"; mv -f "$rs_f.rs-$$" "$rs_f"
  rs_say "change removed the entry for $1 from $2"
}
