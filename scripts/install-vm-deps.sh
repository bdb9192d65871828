#!/usr/bin/env bash
# Installs what the VoidBox VM backend needs on a Debian/Ubuntu host: QEMU (microvm machine),
# busybox-static (guest userland), squashfs-tools (root disk), lz4/zstd/cpio, plus what the image
# builder copies from the host: setpriv (util-linux), mkfs.ext4 (e2fsprogs, for --ext4) and the CA
# bundle (ca-certificates). The guest kernel and busybox packages themselves are only downloaded
# (apt-get download, no root needed), never installed, by the image builder.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
. "$root/scripts/lib.sh"
# The image builder downloads the guest kernel with apt-get download: it needs package lists.
if [ "$(id -u)" -eq 0 ] && ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
  echo "voidbox: no apt package lists yet; running apt-get update" >&2
  apt-get update -qq >/dev/null || echo "voidbox: apt-get update failed; the guest image cannot be built" >&2
fi
voidbox_need_packages "${VOIDBOX_VM_PACKAGES[@]}" setpriv:util-linux mkfs.ext4:e2fsprogs \
  update-ca-certificates:ca-certificates apt-get:apt dpkg-deb:dpkg ldd:libc-bin
if [ -e /dev/kvm ]; then
  if [ -r /dev/kvm ] && [ -w /dev/kvm ]; then echo "voidbox: /dev/kvm is usable (accel: auto still trial-boots it, see docs/kvm.md)" >&2
  else echo "voidbox: /dev/kvm exists but is not read-write for $(id -un): sudo usermod -aG kvm $(id -un)" >&2; fi
else
  echo "voidbox: no /dev/kvm: VMs will run under TCG emulation (slower)" >&2
fi
qemu-system-x86_64 --version | head -1
