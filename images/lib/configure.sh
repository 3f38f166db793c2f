# shellcheck shell=bash
# Turns the cached base tree into the appliance: overlay files, the
# buergerbuero package, enabled units, locked accounts, no host identity.
# Sourced by images/build; sets root_uuid (used by the disk stage).

configure_rootfs() {
  local root=$1 deb=$2
  log "configuring the appliance in $root"
  cp -a --no-preserve=ownership "$here/rootfs/." "$root/"

  # The package: binary and units, the same .deb that updates appliances.
  cp "$deb" "$root/tmp/buergerbuero.deb"
  if ! chroot "$root" dpkg -i /tmp/buergerbuero.deb >&2; then
    # A dependency the cached base lacks (e.g. a new cgo library): fetch it.
    log "installing the package's missing dependencies with apt-get (network)"
    chroot_mounts "$root"
    rm -f "$root/etc/resolv.conf" && cp -L /etc/resolv.conf "$root/etc/resolv.conf"
    chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get update >&2 &&
      chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get -y -f install >&2 &&
      chroot "$root" apt-get clean || { chroot_umounts "$root"; die "installing $(basename "$deb") into the image failed"; }
    chroot_umounts "$root"
  fi
  rm -f "$root/tmp/buergerbuero.deb"
  "$root/usr/bin/buergerbuero" firstboot --help >/dev/null 2>&1 ||
    die "$(basename "$deb"): the binary has no firstboot subcommand (first-boot setup needs it)"

  local enable=(systemd-networkd.service systemd-networkd-wait-online.service systemd-resolved.service
    nftables.service chrony.service buergerbuero-seed.service buergerbuero-setup.service)
  systemctl --root="$root" enable "${enable[@]}" >/dev/null 2>&1 || die "systemctl enable failed"
  # SSH only when first-boot setup received a key.
  systemctl --root="$root" disable ssh.service ssh.socket >/dev/null 2>&1 || true
  rm -f "$root"/etc/ssh/ssh_host_*
  # Without the stub listener, resolv.conf lists the upstream servers.
  ln -sfn /run/systemd/resolve/resolv.conf "$root/etc/resolv.conf"

  # No default passwords: every account is locked ('*' or '!'), root included.
  awk -F: 'BEGIN{OFS=":"} $2 !~ /^[!*]/ {$2="!"} {print}' "$root/etc/shadow" >"$root/etc/shadow.new"
  cat "$root/etc/shadow.new" >"$root/etc/shadow" && rm -f "$root/etc/shadow.new" "$root/etc/shadow-"
  # Identity is created on first boot.
  : >"$root/etc/machine-id"
  rm -f "$root/var/lib/dbus/machine-id" "$root/var/lib/systemd/random-seed"

  root_uuid=$(cat /proc/sys/kernel/random/uuid)
  cat >"$root/etc/fstab" <<EOF
# x-systemd.growfs: the file system follows the partition, which
# buergerbuero-seed.service grows to the disk on first boot.
UUID=$root_uuid / ext4 errors=remount-ro,x-systemd.growfs 0 1
EOF
  mkdir -p "$root/boot/grub"
  cat >"$root/boot/grub/grub.cfg" <<EOF
# Loaded by the EFI loader on the EFI system partition (images/lib/disk.sh).
# /vmlinuz and /initrd.img are maintained by Debian's kernel packages, so
# security updates of the kernel need no boot loader update.
serial --unit=0 --speed=115200
terminal_input console serial
terminal_output console serial
set timeout=2
set default=0
menuentry 'Virtuelles Buergerbuero (Debian 12)' {
	linux /vmlinuz root=UUID=$root_uuid ro console=tty0 console=ttyS0,115200n8 quiet
	initrd /initrd.img
}
menuentry 'Virtuelles Buergerbuero (previous kernel)' {
	linux /vmlinuz.old root=UUID=$root_uuid ro console=tty0 console=ttyS0,115200n8
	initrd /initrd.img.old
}
EOF
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb \
    "$root"/var/log/*.log "$root"/var/log/apt/* "$root"/tmp/* "$root"/var/tmp/*
}
