#!/bin/sh
# Builds (or reuses from the cache) the VoidBox guest image and prints its directory.
# Usage: scripts/build-guest-image.sh [--claude PATH] [--jar PATH]... [--main CLASS] [--ext4] [--no-cds]
#        scripts/build-guest-image.sh list | clean [--downloads]
# Defaults: the guest agent jars from guest/target and protocol/target (built with
# ./mvnw -pl guest -am package), main class io.voidbox.guest.GuestAgent.
# Cache: ${VOIDBOX_DATA_DIR:-${XDG_DATA_HOME:-~/.local/share}/voidbox}/images/<hash>/
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
for t in qemu-system-x86_64 mksquashfs apt-get dpkg-deb; do
  command -v "$t" >/dev/null 2>&1 || { echo "build-guest-image: '$t' missing: run scripts/install-vm-deps.sh" >&2; exit 1; }
done
CLASSES="$ROOT/runtime/target/classes"
if [ ! -f "$CLASSES/io/voidbox/runtime/sandbox/vm/GuestImageBuilder.class" ]; then
  (cd "$ROOT" && JAVA_HOME="$JAVA_HOME" ./mvnw -B -q -pl runtime -am compile)
fi
CMD=build
case "${1:-}" in list|clean|build) CMD=$1; shift ;; esac
ARGS=""
if [ "$CMD" = build ] && ! printf '%s\n' "$@" | grep -q -- '^--jar$'; then
  for j in "$ROOT"/guest/target/voidbox-guest-*.jar "$ROOT"/protocol/target/voidbox-protocol-*.jar; do
    case "$j" in *-tests.jar|*-sources.jar|*\**) continue ;; esac
    [ -f "$j" ] && ARGS="$ARGS --jar $j"
  done
fi
# shellcheck disable=SC2086
exec "$JAVA_HOME/bin/java" -cp "$CLASSES" io.voidbox.runtime.sandbox.vm.GuestImageBuilder "$CMD" $ARGS "$@"
