#!/usr/bin/env bash
# Builds (or reuses from the cache) the VoidBox guest image and prints its directory.
# Usage: scripts/build-guest-image.sh [build] [--claude PATH] [--jar PATH]... [--main CLASS] [--ext4] [--no-cds]
#        scripts/build-guest-image.sh list | clean [--downloads]
# Without --jar: the guest agent jars from guest/target and protocol/target
# (./mvnw -pl guest -am package), main class io.voidbox.guest.GuestAgent.
# Cache: ${VOIDBOX_DATA_DIR:-${XDG_DATA_HOME:-~/.local/share}/voidbox}/images/<hash>/
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
. "$root/scripts/lib.sh"
voidbox_find_jdk
cmd=build
case "${1:-}" in list|clean|build) cmd=$1; shift ;; esac
if [ "$cmd" = build ]; then
  "$root/scripts/install-vm-deps.sh" >/dev/null
fi
classes="$root/runtime/target/classes"
if [ ! -f "$classes/io/voidbox/runtime/sandbox/vm/GuestImageBuilder.class" ]; then
  (cd "$root" && ./mvnw -B -q -pl runtime -am compile)
fi
args=()
if [ "$cmd" = build ] && ! printf '%s\n' "$@" | grep -qx -- '--jar'; then
  for j in "$root"/guest/target/voidbox-guest-*.jar "$root"/protocol/target/voidbox-protocol-*.jar; do
    case "$j" in *-tests.jar|*-sources.jar) continue ;; esac
    [ -f "$j" ] && args+=(--jar "$j")
  done
  [ ${#args[@]} -gt 0 ] || echo "voidbox: no guest agent jars in guest/target (./mvnw -pl guest -am package): the image gets no agent" >&2
fi
exec "$JAVA_HOME/bin/java" -cp "$classes" io.voidbox.runtime.sandbox.vm.GuestImageBuilder "$cmd" "${args[@]}" "$@"
