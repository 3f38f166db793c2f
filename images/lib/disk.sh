# shellcheck shell=bash
# Assembles the bootable disk without loop devices or mounts, so it works in
# containers: a GPT with an EFI system partition (FAT, written with mtools)
# and the root partition (ext4, written by mkfs.ext4 -d straight into the
# image at its offset). The boot loader is a standalone GRUB EFI binary
# (grub-mkstandalone, all modules inside) at the removable-media path
# \EFI\BOOT\BOOTX64.EFI: no NVRAM entry is needed, so the disk boots after
# import into any UEFI hypervisor. Sourced by images/build.

ESP_START=2048       # sectors (1 MiB)
ESP_SECTORS=260096   # 127 MiB
ROOT_START=262144    # 128 MiB
ROOT_TYPE=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709 # root-x86-64 (discoverable partitions)

build_disk() {
  local root=$1 img=$2 size=$3
  log "assembling a $size GPT disk (EFI system partition + ext4 root)"
  rm -f "$img"
  truncate -s "$size" "$img"
  local total=$(($(stat -c %s "$img") / 512))
  local root_sectors=$((total - ROOT_START - 34))
  sfdisk --quiet "$img" >&2 <<EOF || die "sfdisk failed"
label: gpt
start=$ESP_START, size=$ESP_SECTORS, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, name="EFI system"
start=$ROOT_START, size=$root_sectors, type=$ROOT_TYPE, name="buergerbuero root"
EOF

  # EFI loader, built with the image's own GRUB so that host and image
  # versions cannot disagree.
  cat >"$root/tmp/embedded.cfg" <<EOF
search --no-floppy --fs-uuid --set=root $root_uuid
set prefix=(\$root)/boot/grub
configfile (\$root)/boot/grub/grub.cfg
EOF
  chroot "$root" grub-mkstandalone -O x86_64-efi -o /tmp/BOOTX64.EFI \
    --modules="part_gpt ext2 search_fs_uuid linux serial terminal normal configfile echo test all_video gzio" \
    --locales= --themes= --fonts= "boot/grub/grub.cfg=/tmp/embedded.cfg" >&2 || die "grub-mkstandalone failed"
  local efi="$work_dir/BOOTX64.EFI"
  mv "$root/tmp/BOOTX64.EFI" "$efi"
  rm -f "$root/tmp/embedded.cfg"

  local esp_kib=$((ESP_SECTORS / 2))
  mkfs.vfat --offset=$ESP_START -F 32 -s 1 -n ESP "$img" "$esp_kib" >/dev/null || die "mkfs.vfat failed"
  local esp="$img@@$((ESP_START * 512))"
  MTOOLS_SKIP_CHECK=1 mmd -i "$esp" ::/EFI ::/EFI/BOOT
  MTOOLS_SKIP_CHECK=1 mcopy -i "$esp" "$efi" ::/EFI/BOOT/BOOTX64.EFI || die "mcopy failed"

  # GRUB 2.06 (bookworm) cannot read ext4 with orphan_file/metadata_csum_seed.
  mkfs.ext4 -q -F -L bbroot -U "$root_uuid" -O ^orphan_file,^metadata_csum_seed \
    -E offset=$((ROOT_START * 512)) -d "$root" "$img" "$((root_sectors / 2))k" ||
    die "mkfs.ext4 -d failed"
}
