#!/usr/bin/env bash
# Wall time of quick voidbox commands, with and without the CLI's AOT cache (scripts/aot-cache.sh),
# arms interleaved (ABAB...) so host load hits both alike. Prints median, min, max and p90 per arm.
# Usage: bench/cli/startup.sh [RUNS]   (default 15; needs cli/target/voidbox.jar, builds the cache if missing)
# Arms: "java-plain" is the JVM as the launcher started it before the cache (default flags);
# "java-no-cache"/"java-aot-cache" the CLI's flags (voidbox_aot_java_opts) without and with
# -XX:AOTCache; "launcher" is ./voidbox as users run it (its checks, then the cache).
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
  [java-plain]="$java -jar $jar"
  [java-no-cache]="$java $opts -jar $jar"
  [java-aot-cache]="$java $opts -XX:AOTCache=$aot -jar $jar"
  [launcher]="env VOIDBOX_SKIP_DEPS= $root/voidbox"
)
order=(java-plain java-no-cache java-aot-cache launcher)
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# "--output human version" takes the path every other command takes (picocli's command model), as
# `version` did before it answered first: the difference is what the early answer saves.
for cmd in "version" "--output human version" "validate --file $spec"; do
  for ((i = 0; i < runs; i++)); do
    for arm in "${order[@]}"; do
      # wall and CPU (user+sys, less sensitive to other load on the host) of the whole command
      /usr/bin/time -f "%e %U %S" -o "$tmp/t" ${arms[$arm]} $cmd >/dev/null 2>&1
      key=${cmd%% --file*}; key=${key// /_}
      awk '{printf "%d %d\n", $1 * 1000, ($2 + $3) * 1000}' "$tmp/t" >>"$tmp/$key.$arm"
    done
  done
done
printf '%-22s %-15s %4s  %-28s  %-14s\n' command arm runs "wall median (min-max, p90)" "cpu median"
for cmd in version --output_human_version validate; do
  for arm in "${order[@]}"; do
    stats() { sort -n | awk '{v[NR]=$1} END {
      m = (NR % 2) ? v[(NR+1)/2] : (v[NR/2] + v[NR/2+1]) / 2; p = v[int(0.9 * NR + 0.999)];
      printf "%.3f %.3f %.3f %.3f\n", m/1000, v[1]/1000, v[NR]/1000, p/1000 }'; }
    read -r wm wmin wmax wp < <(cut -d' ' -f1 "$tmp/$cmd.$arm" | stats)
    read -r cm _ < <(cut -d' ' -f2 "$tmp/$cmd.$arm" | stats)
    printf '%-22s %-15s %4d  %5s s (%s-%s, %s)  %5s s\n' "${cmd//_/ }" "$arm" "$(wc -l <"$tmp/$cmd.$arm")" \
      "$wm" "$wmin" "$wmax" "$wp" "$cm"
  done
done
echo "host: $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg), $("$java" -version 2>&1 | head -1)"
