#!/bin/sh
# Installs what the VoidBox VM backend needs on a Debian/Ubuntu host:
# QEMU (microvm machine), busybox-static (guest userland), squashfs-tools (root disk),
# lz4/zstd/cpio (kernel and initramfs tools), e2fsprogs (ext4 root disk alternative),
# util-linux (setpriv, copied into the guest), ca-certificates (TLS inside the guest).
# The guest kernel and busybox packages themselves are only downloaded (apt-get download),
# never installed, by the image builder.
set -eu
PKGS="qemu-system-x86 busybox-static squashfs-tools lz4 zstd cpio e2fsprogs util-linux ca-certificates"
if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
  echo "install-vm-deps: not root and no sudo; run as root: apt-get install -y $PKGS" >&2; exit 1; fi
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $PKGS
if [ -e /dev/kvm ]; then
  if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then echo "install-vm-deps: /dev/kvm is usable"; else
    echo "install-vm-deps: /dev/kvm exists but is not read-write for $(id -un): sudo usermod -aG kvm $(id -un)"; fi
else
  echo "install-vm-deps: no /dev/kvm: VMs will run under TCG emulation (slower)"
fi
qemu-system-x86_64 --version | head -1
