# shellcheck shell=bash
# Assembles the bootable disk without loop devices or mounts, so it works in
# containers: a GPT with a BIOS boot partition, an EFI system partition (FAT,
# written with mtools) and the root partition (ext4, written by mkfs.ext4 -d
# straight into the image at its offset). It boots with UEFI and with BIOS:
# - UEFI: a standalone GRUB EFI binary (grub-mkstandalone, all modules
#   inside) at the removable-media path \EFI\BOOT\BOOTX64.EFI, so no NVRAM
#   entry is needed after import;
# - BIOS: GRUB's boot.img in the MBR and core.img in the BIOS boot
#   partition, patched here the way grub-bios-setup would.
# Both find the root file system by UUID and read /boot/grub/grub.cfg.
# Sourced by images/build.

BIOS_START=2048      # sectors (1 MiB)
BIOS_SECTORS=2048    # 1 MiB
ESP_START=4096       # 2 MiB
ESP_SECTORS=258048   # 126 MiB
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
start=$BIOS_START, size=$BIOS_SECTORS, type=21686148-6449-6E6F-744E-656564454649, name="BIOS boot"
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
  install_bios_loader "$root" "$img"
  rm -f "$root/tmp/embedded.cfg"

  local esp_kib=$((ESP_SECTORS / 2))
  # (mkfs.vfat warns that the image is larger than the partition: expected.)
  local out
  out=$(mkfs.vfat --offset=$ESP_START -F 32 -s 1 -n ESP "$img" "$esp_kib" 2>&1) || die "mkfs.vfat failed: $out"
  local esp="$img@@$((ESP_START * 512))"
  MTOOLS_SKIP_CHECK=1 mmd -i "$esp" ::/EFI ::/EFI/BOOT
  MTOOLS_SKIP_CHECK=1 mcopy -i "$esp" "$efi" ::/EFI/BOOT/BOOTX64.EFI || die "mcopy failed"

  # GRUB 2.06 (bookworm) cannot read ext4 with orphan_file/metadata_csum_seed.
  mkfs.ext4 -q -F -L bbroot -U "$root_uuid" -O ^orphan_file,^metadata_csum_seed \
    -E offset=$((ROOT_START * 512)) -d "$root" "$img" "$((root_sectors / 2))k" ||
    die "mkfs.ext4 -d failed"
}

# install_bios_loader writes GRUB for BIOS without grub-install (which needs
# a block device): core.img with the same embedded configuration goes into
# the BIOS boot partition, boot.img's code into the MBR (partition table and
# disk signature stay), and the two sector pointers grub-bios-setup would
# set are patched in.
install_bios_loader() {
  local root=$1 img=$2
  chroot "$root" grub-mkimage -O i386-pc -o /tmp/core.img -c /tmp/embedded.cfg -p /boot/grub \
    biosdisk part_gpt ext2 search search_fs_uuid configfile normal linux serial terminal echo test gzio >&2 ||
    die "grub-mkimage (i386-pc) failed"
  local core="$work_dir/core.img"
  mv "$root/tmp/core.img" "$core"
  local sectors=$((($(stat -c %s "$core") + 511) / 512))
  ((sectors <= BIOS_SECTORS)) || die "core.img ($sectors sectors) does not fit the BIOS boot partition"
  # diskboot.img (core.img's first sector) loads the rest: its blocklist's
  # start sector sits 12 bytes before the end of that sector.
  le64 $((BIOS_START + 1)) | dd of="$core" bs=1 seek=$((0x1f4)) conv=notrunc status=none
  dd if="$core" of="$img" bs=512 seek=$BIOS_START conv=notrunc status=none
  # boot.img: code up to the Windows NT signature (440 bytes), then the
  # LBA of core.img at 0x5c.
  dd if="$root/usr/lib/grub/i386-pc/boot.img" of="$img" bs=440 count=1 conv=notrunc status=none
  le64 $BIOS_START | dd of="$img" bs=1 seek=$((0x5c)) conv=notrunc status=none
}

# le64 prints n as 8 little-endian bytes.
le64() {
  local n=$1 i out=""
  for i in 0 1 2 3 4 5 6 7; do
    out+=$(printf '\\x%02x' $(((n >> (8 * i)) & 255)))
  done
  printf "$out"
}
