# shellcheck shell=bash
# Checks of the running appliance, run by images/test over SSH (function vm).

# Ports the appliance may listen on from outside: tcp 22 (admin network
# only), 80, 443, 3479, 5349; udp 3478, 3479. DHCP client sockets (udp 68,
# 546) are outgoing clients, not services; loopback addresses do not count.
ALLOWED_TCP=" 22 80 443 3479 5349 "
ALLOWED_UDP=" 3478 3479 68 546 "

check_vm() {
  local user uid dyn exposure rules ss bad=""

  dyn=$(vm systemctl show -p DynamicUser --value buergerbuero.service)
  user=$(vm 'ps -o user:32= -p "$(systemctl show -p MainPID --value buergerbuero.service)"')
  uid=$(vm 'ps -o uid= -p "$(systemctl show -p MainPID --value buergerbuero.service)"' | tr -d ' ')
  if [[ $dyn == yes && $uid -ge 61184 && $uid -le 65519 ]]; then
    log "buergerbuero.service runs as dynamic user $user (uid $uid)"
  else
    fail "buergerbuero.service: DynamicUser=$dyn, user $user uid $uid (want a dynamic uid 61184-65519)"
  fi

  exposure=$(vm systemd-analyze security --no-pager buergerbuero.service | awk '/Overall exposure level/ {for (i = 1; i <= NF; i++) if ($i ~ /^[0-9]+\.[0-9]+$/) print $i}')
  if [[ -n $exposure ]] && awk -v e="$exposure" 'BEGIN {exit !(e <= 1.5)}'; then
    log "systemd-analyze security buergerbuero.service: exposure $exposure (<= 1.5)"
  else
    fail "systemd-analyze security buergerbuero.service: exposure '$exposure' (want <= 1.5)"
  fi

  rules=$(vm nft list ruleset)
  local want
  for want in 'type filter hook input priority filter; policy drop;' \
    'tcp dport { 80, 443 } accept' 'udp dport 3478 accept' 'udp dport 3479 accept' \
    'tcp dport { 3479, 5349 } accept' 'ip saddr @admin_net_v4 tcp dport 22 accept' \
    'elements = { 10.0.2.2 }' 'type filter hook forward priority filter; policy drop;'; do
    grep -qF -- "$want" <<<"$rules" || fail "nftables: missing '$want'"
  done
  [[ $failed == 0 ]] && log "nftables: input policy drop; 80/443, media 3478/udp, TURN 3479 udp+tcp, 5349/tcp; SSH only from 10.0.2.2"

  ss=$(vm ss -Hlntup)
  printf '%s\n' "$ss" | sed 's/^/    /' >&2
  local proto addr port
  while read -r proto _ _ _ addr _; do
    port=${addr##*:}
    addr=${addr%:*}
    case "$addr" in 127.*|'[::1]'|'[::ffff:127.'*) continue ;; esac
    case "$proto" in
      tcp) [[ $ALLOWED_TCP == *" $port "* ]] || bad+=" tcp/$addr:$port" ;;
      udp) [[ $ALLOWED_UDP == *" $port "* ]] || bad+=" udp/$addr:$port" ;;
    esac
  done <<<"$ss"
  if [[ -z $bad ]]; then
    log "listening ports: only the named ones (non-loopback)"
  else
    fail "unexpected listening ports:$bad"
  fi

  local passwords
  passwords=$(vm "awk -F: '\$2 !~ /^[!*]/ {print \$1}' /etc/shadow")
  [[ -z $passwords ]] && log "no account has a password" || fail "accounts with passwords: $passwords"
  for unit in chrony.service nftables.service systemd-networkd.service unattended-upgrades.service; do
    vm systemctl is-enabled --quiet "$unit" || fail "$unit is not enabled"
  done
  vm systemctl is-active --quiet nftables.service || fail "nftables.service is not active"
  vm systemctl is-enabled --quiet ssh.service && vm test -s /root/.ssh/authorized_keys || fail "ssh enabled without a key"
  vm timeout 120 systemctl is-system-running --wait >/dev/null 2>&1 ||
    fail "system state: $(vm systemctl is-system-running); failed units: $(vm systemctl --failed --no-legend --plain | tr '\n' ' ')"
}

# check_static_network: the seed's network section replaced DHCP.
check_static_network() {
  if vm 'networkctl status --no-pager "$(ls /sys/class/net | grep -vx lo | head -n1)"' | grep -q '10-static.network'; then
    log "static network from the seed is in use (10-static.network)"
  else
    fail "the seed's static network is not in use"
  fi
}
