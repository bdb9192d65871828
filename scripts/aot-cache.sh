#!/usr/bin/env bash
# Creates the voidbox CLI's AOT cache (JDK 25, JEP 483/514/515) beside the CLI jar: one training run
# of the quick commands (io.voidbox.cli.AotTraining: version, --help, validate, inspect) records
# which classes load and link and how methods behave; later starts map that instead of loading
# and linking from the jar. The ./voidbox launcher calls this when the cache is missing or older
# than the jar (once per build, a few seconds) and then starts java with -XX:AOTCache.
# Usage: scripts/aot-cache.sh [JAR]   (default cli/target/voidbox.jar; writes JAR's name with .aot)
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
. "$root/scripts/lib.sh"
[ -n "${JAVA_HOME:-}" ] && [ -x "$JAVA_HOME/bin/java" ] || voidbox_find_jdk
jar=${1:-$root/cli/target/voidbox.jar}
aot=${jar%.jar}.aot
tmp=$aot.tmp.$$
trap 'rm -f "$tmp" "$tmp.config"' EXIT
# The JVM flags of the training run must be those of the runs that use the cache (VOIDBOX_AOT_JAVA_OPTS).
"$JAVA_HOME/bin/java" $(voidbox_aot_java_opts) -XX:AOTCacheOutput="$tmp" -cp "$jar" io.voidbox.cli.AotTraining \
  >/dev/null 2>"$tmp.log" || { cat "$tmp.log" >&2; rm -f "$tmp.log"; exit 1; }
rm -f "$tmp.log"
mv -f "$tmp" "$aot"
echo "$aot"
