#!/usr/bin/env bash
# Wall time of quick voidbox commands, with and without the CLI's AOT cache (scripts/aot-cache.sh),
# arms interleaved (ABAB...) so host load hits both alike. Prints median, min, max and p90 per arm.
# Usage: bench/cli/startup.sh [RUNS]   (default 15; needs cli/target/voidbox.jar, builds the cache if missing)
# Arms: "launcher" is ./voidbox as users run it (with its checks and the cache); "java" arms time the
# JVM alone, with and without -XX:AOTCache, same flags otherwise.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/../.." && pwd)
. "$root/scripts/lib.sh"
voidbox_find_jdk
runs=${1:-15}
jar=$root/cli/target/voidbox.jar
aot=${jar%.jar}.aot
[ -f "$aot" ] && [ "$aot" -nt "$jar" ] || "$root/scripts/aot-cache.sh" "$jar" >/dev/null
spec=$root/examples/fan-out/pipeline.yaml
opts=$(voidbox_aot_java_opts)
java=$JAVA_HOME/bin/java
declare -A arms=(
  [java-no-cache]="$java $opts -jar $jar"
  [java-aot-cache]="$java $opts -XX:AOTCache=$aot -jar $jar"
  [launcher]="env VOIDBOX_SKIP_DEPS= $root/voidbox"
)
order=(java-no-cache java-aot-cache launcher)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
now() { date +%s%N; }
for cmd in "version" "validate --file $spec"; do
  for ((i = 0; i < runs; i++)); do
    for arm in "${order[@]}"; do
      t0=$(now); ${arms[$arm]} $cmd >/dev/null 2>&1; t1=$(now)
      echo $(( (t1 - t0) / 1000000 )) >>"$tmp/${cmd%% *}.$arm"
    done
  done
done
printf '%-10s %-16s %5s %8s %6s %6s %6s\n' command arm runs median min max p90
for cmd in version validate; do
  for arm in "${order[@]}"; do
    sort -n "$tmp/$cmd.$arm" | awk -v c="$cmd" -v a="$arm" '{v[NR]=$1} END {
      m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2; p = v[int(0.9 * NR + 0.999)];
      printf "%-10s %-16s %5d %6.3f s %6.3f %6.3f %6.3f\n", c, a, NR, m/1000, v[1]/1000, v[NR]/1000, p/1000 }'
  done
done
echo "host: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $("$java" -version 2>&1 | head -1)"
