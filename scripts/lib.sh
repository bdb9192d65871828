# Shared helpers for the project's scripts (sourced, not run).

# Finds a JDK 25+ and exports JAVA_HOME, or explains how to get one.
voidbox_find_jdk() {
  local candidates=("${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/java-25-openjdk-amd64 /usr/lib/jvm/*25* /usr/lib/jvm/*)
  local c v
  for c in "${candidates[@]}"; do
    [ -n "$c" ] && [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    # the JDK's release file names its version without starting a JVM (~80 ms saved per command)
    v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$c/release" 2>/dev/null)
    [ -n "$v" ] || v=$("$c/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')
    if [ -n "$v" ] && [ "${v%%.*}" -ge 25 ] 2>/dev/null; then
      export JAVA_HOME="$c"
      return 0
    fi
  done
  echo "voidbox: a JDK 25 or newer is required (the default java is $(java -version 2>&1 | head -1))." >&2
  echo "voidbox: install Temurin 25 (https://adoptium.net, package temurin-25-jdk) or set JAVA_HOME to a JDK 25." >&2
  return 1
}

# Installs Debian packages for the commands that are missing; explains what to run when it cannot.
# Usage: voidbox_need_packages cmd:package [cmd:package ...]
voidbox_need_packages() {
  local missing=() pair cmd pkg
  for pair in "$@"; do
    cmd=${pair%%:*}; pkg=${pair#*:}
    if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "$cmd" ]; then missing+=("$pkg"); fi
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "voidbox: installing Debian packages: ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >/dev/null \
      && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
      && return 0
    echo "voidbox: apt-get install ${missing[*]} failed" >&2
    return 1
  fi
  echo "voidbox: missing packages: ${missing[*]}; run: sudo apt-get install -y ${missing[*]}" >&2
  return 1
}

# The packages the micro-VM backend and its image builder use.
VOIDBOX_VM_PACKAGES=(qemu-system-x86_64:qemu-system-x86 /bin/busybox:busybox-static mksquashfs:squashfs-tools
  cpio:cpio lz4:lz4 zstd:zstd)

# The packages the namespace backend (bubblewrap sandboxes) uses: bubblewrap, socat (the box's way
# to its model endpoint), util-linux (setpriv, unshare, nsenter: dropping root before bubblewrap,
# the box's network namespace), iproute2 (its loopback and routes), nftables (the refusals it
# reports as net.denied) and slirp4netns (sandbox.network: open).
VOIDBOX_NAMESPACE_PACKAGES=(bwrap:bubblewrap socat:socat setpriv:util-linux ip:iproute2 /usr/sbin/nft:nftables slirp4netns:slirp4netns)

# JVM flags of the CLI that its AOT cache (scripts/aot-cache.sh) is created with and used with: the
# serial collector (a CLI, not a server; a cache is only used with the GC it was made with), plus
# VOIDBOX_AOT_JAVA_OPTS. Printed on one line.
voidbox_aot_java_opts() {
  echo "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 ${VOIDBOX_AOT_JAVA_OPTS:-}"
}
