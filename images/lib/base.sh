# shellcheck shell=bash
# Base root file system: debootstrap of Debian 12 plus the appliance's
# packages, cached as a tarball keyed by everything that goes into it. Sourced
# by images/build; expects log, die, cache_dir, and the chroot helpers.

BASE_SUITE=bookworm
BASE_MIRROR=${BB_MIRROR:-http://deb.debian.org/debian}
BASE_SECURITY=${BB_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
# The appliance's Debian packages. grub-efi-amd64-bin and grub-pc-bin only provide the
# modules grub-mkstandalone/grub-mkimage embed into the EFI and BIOS loaders at image build time;
# nothing runs grub-install. cloud-guest-utils brings growpart, used at first
# boot when the virtual disk was enlarged on import. libolm3: the Matrix
# bridge's end-to-end encryption (cgo; the .deb depends on it).
BASE_PACKAGES=(
  systemd systemd-sysv systemd-resolved udev dbus
  linux-image-amd64 initramfs-tools
  nftables chrony unattended-upgrades openssh-server
  ca-certificates iproute2 cloud-guest-utils e2fsprogs
  libolm3
  grub-efi-amd64-bin grub-pc-bin
)

base_key() {
  { echo "$BASE_SUITE $BASE_MIRROR $BASE_SECURITY"; printf '%s\n' "${BASE_PACKAGES[@]}"; cat "${BASH_SOURCE[0]}"; } |
    sha256sum | cut -c1-16
}

# base_tarball prints the path of the cached base tarball, building it first
# when it is missing. Rebuild with --refresh-base (security updates).
base_tarball() {
  local key tar
  key=$(base_key)
  tar="$cache_dir/base-$BASE_SUITE-$key.tar.zst"
  if [[ -s $tar && ${refresh_base:-0} != 1 ]]; then
    echo "$tar"
    return
  fi
  log "building the base root file system (debootstrap $BASE_SUITE, once; cached as $tar)"
  local dir
  dir=$(mktemp -d "$work_dir/base.XXXX")
  local include
  include=$(printf '%s\n' "${BASE_PACKAGES[@]}" | paste -sd, -)
  # Cache the downloaded .debs between base rebuilds.
  mkdir -p "$cache_dir/debs"
  debootstrap --variant=minbase --cache-dir="$cache_dir/debs" --include="$include" \
    "$BASE_SUITE" "$dir" "$BASE_MIRROR" >&2 || die "debootstrap failed (see above)"
  cat >"$dir/etc/apt/sources.list" <<EOF
deb $BASE_MIRROR $BASE_SUITE main
deb $BASE_MIRROR $BASE_SUITE-updates main
deb $BASE_SECURITY $BASE_SUITE-security main
EOF
  # No documentation, man pages or translations in the appliance: they are
  # half of a minimal system's size and nobody reads them on a VM console.
  cat >"$dir/etc/dpkg/dpkg.cfg.d/01-buergerbuero-nodoc" <<'EOF'
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
path-exclude=/usr/share/lintian/*
EOF
  # The initramfs must find the root disk on virtio, VMware (pvscsi, SATA),
  # Hyper-V (storvsc) and Proxmox alike: MODULES=most (Debian's default).
  chroot_mounts "$dir"
  # Name resolution for apt inside the chroot; the image gets its own later.
  rm -f "$dir/etc/resolv.conf" && cp -L /etc/resolv.conf "$dir/etc/resolv.conf"
  chroot "$dir" env DEBIAN_FRONTEND=noninteractive apt-get --error-on=any update >&2 &&
    chroot "$dir" env DEBIAN_FRONTEND=noninteractive apt-get -y -o Dpkg::Options::=--force-confold dist-upgrade >&2 &&
    purge_old_kernels "$dir" &&
    chroot "$dir" apt-get clean >&2 || { chroot_umounts "$dir"; die "updating the base system failed"; }
  chroot_umounts "$dir"
  find "$dir/usr/share/doc" -mindepth 2 ! -name copyright ! -type d -delete 2>/dev/null || true
  rm -rf "$dir/usr/share/man"/* "$dir/usr/share/info"/* "$dir/var/lib/apt/lists"/* "$dir/var/cache/apt"/*.bin
  find "$dir/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} + 2>/dev/null || true
  tar --numeric-owner --xattrs --xattrs-include='*' -C "$dir" -cf - . | zstd -T0 -q -o "$tar.tmp" && mv "$tar.tmp" "$tar"
  rm -rf "$dir"
  # Older bases (other keys) are of no use any more.
  find "$cache_dir" -maxdepth 1 -name 'base-*.tar.zst' ! -path "$tar" -delete
  echo "$tar"
}

# purge_old_kernels keeps only the kernel linux-image-amd64 depends on (the
# upgrade brings a newer one than debootstrap installed).
purge_old_kernels() {
  local dir=$1 keep old
  keep=$(chroot "$dir" dpkg-query -W -f='${Depends}' linux-image-amd64 | grep -o 'linux-image-[0-9][^ ,]*')
  old=$(chroot "$dir" dpkg-query -W -f='${Package}\n' 'linux-image-[0-9]*' | grep -vx "$keep" || true)
  [[ -z $old ]] || chroot "$dir" env DEBIAN_FRONTEND=noninteractive apt-get -y purge $old >&2
}
