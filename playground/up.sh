#!/usr/bin/env bash
# VoidBox playground: starts Grafana + Tempo + Prometheus (one grafana/otel-lgtm container), runs
# the playground pipeline with OpenTelemetry export to it, and prints where to look in Grafana.
#
#   playground/up.sh          check prerequisites, pick a provider, start the stack, run, print links
#   playground/up.sh --down   stop the stack
#
# Environment (all optional):
#   PLAYGROUND_PROVIDER   anthropic | ollama | scripted: skips the question (no TTY: scripted)
#   PLAYGROUND_BACKEND    auto | vm | local: sandbox backend of the run (default auto)
#   PLAYGROUND_GRAFANA_PORT, PLAYGROUND_OTLP_GRPC_PORT, PLAYGROUND_OTLP_HTTP_PORT
#                         host ports of the stack (default 3000, 4317, 4318; loopback only)
#   PLAYGROUND_WAIT_SECS  how long to wait for the stack to become healthy (default 180)
#   PLAYGROUND_VOIDBOX    the voidbox command to run (default: the launcher at the repository root)
#   PLAYGROUND_RUNS_DIR   where the run events (JSON Lines) go (default playground/runs)
#   ANTHROPIC_API_KEY     for the anthropic provider (never printed)
#   OLLAMA_BASE_URL       for the ollama provider (default http://127.0.0.1:11434)
set -euo pipefail

# Only shell builtins until docker has been found: a missing tool must fail here with a clear
# message, whatever else is (not) on PATH.
case ${BASH_SOURCE[0]} in
  */*) here=${BASH_SOURCE[0]%/*} ;;
  *) here=. ;;
esac
here=$(cd "$here" && pwd)
root=$(cd "$here/.." && pwd)
compose_file="$here/compose.yaml"
pipeline_name=playground

say() { printf 'playground: %s\n' "$*"; }
warn() { printf 'playground: warning: %s\n' "$*" >&2; }
die() {
  printf 'playground: error: %s\n' "$1" >&2
  shift
  local line
  for line in "$@"; do printf '  %s\n' "$line" >&2; done
  exit 1
}
usage() {
  printf 'usage: %s [--down | --help]\n' "${BASH_SOURCE[0]}"
  printf '  (no option)  check prerequisites, start the stack, run the playground pipeline, print Grafana links\n'
  printf '  --down       stop the stack (docker compose down)\n'
}

mode=up
case $# in
  0) ;;
  1)
    case $1 in
      --down) mode=down ;;
      -h | --help) usage; exit 0 ;;
      *) usage >&2; die "unknown argument '$1'" ;;
    esac
    ;;
  *) usage >&2; die "too many arguments" ;;
esac

# ---------------------------------------------------------------- settings (validated first)
provider=${PLAYGROUND_PROVIDER:-}
case $provider in
  '' | anthropic | ollama | scripted) ;;
  *) die "PLAYGROUND_PROVIDER='$provider' is not a provider" "use one of: anthropic, ollama, scripted (or leave it unset to be asked)" ;;
esac
backend=${PLAYGROUND_BACKEND:-auto}
case $backend in
  auto | vm | local) ;;
  *) die "PLAYGROUND_BACKEND='$backend' is not a backend" "use one of: auto, vm, local" ;;
esac
port_setting() { # NAME DEFAULT -> prints the validated port
  local value=${!1:-$2}
  if [[ ! $value =~ ^[0-9]{1,5}$ ]] || ((10#$value < 1 || 10#$value > 65535)); then
    die "$1='$value' is not a TCP port (1..65535)"
  fi
  printf '%d' "$((10#$value))"
}
grafana_port=$(port_setting PLAYGROUND_GRAFANA_PORT 3000)
grpc_port=$(port_setting PLAYGROUND_OTLP_GRPC_PORT 4317)
http_port=$(port_setting PLAYGROUND_OTLP_HTTP_PORT 4318)
wait_secs=${PLAYGROUND_WAIT_SECS:-180}
[[ $wait_secs =~ ^[0-9]{1,5}$ ]] || die "PLAYGROUND_WAIT_SECS='$wait_secs' is not a number of seconds"
export PLAYGROUND_GRAFANA_PORT=$grafana_port PLAYGROUND_OTLP_GRPC_PORT=$grpc_port PLAYGROUND_OTLP_HTTP_PORT=$http_port
voidbox=${PLAYGROUND_VOIDBOX:-$root/voidbox}
runs_dir=${PLAYGROUND_RUNS_DIR:-$here/runs}
service=${VOIDBOX_SERVICE_NAME:-void-box}

# ---------------------------------------------------------------- prerequisites
bounded() { # SECONDS CMD...: run with a time limit when coreutils' timeout is there
  local secs=$1
  shift
  if command -v timeout >/dev/null 2>&1; then timeout "$secs" "$@"; else "$@"; fi
}

check_docker() {
  command -v docker >/dev/null 2>&1 || die "docker is not installed (no 'docker' on PATH)" \
    "The playground runs Grafana, Tempo and Prometheus in one container (grafana/otel-lgtm)." \
    "Install Docker Engine: https://docs.docker.com/engine/install/"
  local out
  if ! out=$(bounded 30 docker compose version 2>&1); then
    die "'docker compose' does not work: ${out%%$'\n'*}" \
      "Install the Docker Compose v2 plugin (Debian/Ubuntu: apt-get install docker-compose-plugin)," \
      "see https://docs.docker.com/compose/install/linux/"
  fi
  if ! out=$(bounded 30 docker info 2>&1); then
    local reason='' line
    while IFS= read -r line; do # builtins only: the first line that says what is wrong
      case ${line,,} in
        *"cannot connect"* | *"permission denied"* | *error*) reason=$line; break ;;
      esac
    done <<<"$out"
    die "the Docker engine is not reachable${reason:+: $reason}" \
      "Start it (e.g. 'sudo systemctl start docker') and make sure this user may use it" \
      "(member of the 'docker' group, or run as root), then try again. 'docker info' shows the details."
  fi
}

check_tools() {
  local tool
  for tool in curl grep sed date; do
    command -v "$tool" >/dev/null 2>&1 || die "'$tool' is needed but not on PATH" "Debian/Ubuntu: apt-get install $tool"
  done
}

check_kvm() {
  if [ "$backend" = local ]; then
    say "backend: local sandboxes (PLAYGROUND_BACKEND=local), KVM not needed"
  elif [ ! -e /dev/kvm ]; then
    warn "no /dev/kvm: micro-VMs will use TCG software emulation (much slower)," \
      "or fall back to local sandboxes without QEMU; PLAYGROUND_BACKEND=local skips VMs"
  elif [ ! -r /dev/kvm ] || [ ! -w /dev/kvm ]; then
    warn "/dev/kvm exists but this user cannot use it (add the user to the 'kvm' group):" \
      "micro-VMs will use TCG software emulation (much slower)"
  else
    say "KVM: /dev/kvm is usable"
  fi
}

check_voidbox() {
  [ -x "$voidbox" ] || die "the voidbox command is missing or not executable: $voidbox"
  say "building VoidBox if needed (first use takes a few minutes) ..."
  "$voidbox" version </dev/null >/dev/null || die "'$voidbox version' failed: the build did not work (see above)"
  if [ "$backend" != local ]; then
    if "$voidbox" image list </dev/null >/dev/null 2>&1; then
      say "guest image: present"
    else
      say "guest image: not built yet, it will be built on the first micro-VM run"
    fi
  fi
}

# ---------------------------------------------------------------- provider
choose_provider() {
  if [ -n "$provider" ]; then
    return
  fi
  if [ ! -t 0 ]; then
    provider=scripted
    say "no terminal to ask on and PLAYGROUND_PROVIDER unset: using the offline scripted model"
    return
  fi
  local key_state=unset choice=''
  if [ -n "${ANTHROPIC_API_KEY:-}" ]; then key_state="set"; fi
  printf 'Which model should the agents use?\n'
  printf '  1) Anthropic          (ANTHROPIC_API_KEY is %s)\n' "$key_state"
  printf '  2) Ollama             (OLLAMA_BASE_URL, default http://127.0.0.1:11434)\n'
  printf '  3) offline scripted model (no network, deterministic) [default]\n'
  printf 'Choice [3]: '
  read -r -t 300 choice || choice=''
  case ${choice:-3} in
    1 | anthropic) provider=anthropic ;;
    2 | ollama) provider=ollama ;;
    3 | scripted) provider=scripted ;;
    *) die "'$choice' is not one of 1, 2, 3" ;;
  esac
}

check_provider() {
  case $provider in
    anthropic)
      [ -n "${ANTHROPIC_API_KEY:-}" ] || die "the anthropic provider needs ANTHROPIC_API_KEY in the environment" \
        "export ANTHROPIC_API_KEY=... (it is passed to the agents only, never printed), or choose another provider"
      ;;
    ollama)
      local url=${OLLAMA_BASE_URL:-http://127.0.0.1:11434}
      curl -fsS -m 5 -o /dev/null "${url%/}/api/tags" 2>/dev/null || die "Ollama does not answer at $url" \
        "Start it ('ollama serve'), or set OLLAMA_BASE_URL; the model is VOIDBOX_OLLAMA_MODEL (default qwen3-coder)"
      export OLLAMA_BASE_URL=$url
      ;;
    scripted) ;;
  esac
  say "provider: $provider"
}

# ---------------------------------------------------------------- stack
compose() { docker compose -f "$compose_file" "$@"; }

wait_for_stack() {
  local deadline=$((SECONDS + wait_secs)) grafana=down otlp=down code
  say "waiting for Grafana (:$grafana_port) and the OTLP receiver (:$grpc_port gRPC, :$http_port HTTP), at most ${wait_secs}s ..."
  while :; do
    if [ $grafana = down ] && curl -fsS -m 3 -o /dev/null "http://127.0.0.1:$grafana_port/api/health" 2>/dev/null; then
      grafana=up
    fi
    if [ $otlp = down ]; then
      code=$(curl -sS -m 3 -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/x-protobuf' \
        --data-binary @/dev/null "http://127.0.0.1:$http_port/v1/traces" 2>/dev/null || true)
      if [ "$code" = 200 ] && (exec 3<>"/dev/tcp/127.0.0.1/$grpc_port") 2>/dev/null; then
        otlp=up
      fi
    fi
    if [ $grafana = up ] && [ $otlp = up ]; then
      say "stack is up"
      return
    fi
    if ((SECONDS >= deadline)); then
      die "the stack did not become healthy within ${wait_secs}s (Grafana: $grafana, OTLP: $otlp)" \
        "See: docker compose -f $compose_file logs lgtm" "A longer wait: PLAYGROUND_WAIT_SECS=600 $0"
    fi
    sleep 2
  done
}

# ---------------------------------------------------------------- links
urlencode() {
  local LC_ALL=C s=$1 out='' c i
  for ((i = 0; i < ${#s}; i++)); do
    c=${s:i:1}
    case $c in
      [a-zA-Z0-9.~_-]) out+=$c ;;
      *) out+=$(printf '%%%02X' "'$c") ;;
    esac
  done
  printf '%s' "$out"
}

explore_url() { # TRACEQL -> Grafana Explore URL on the Tempo data source
  local q=$1 pane
  q=${q//\\/\\\\}
  q=${q//\"/\\\"}
  pane='{"pg":{"datasource":"tempo","queries":[{"refId":"A","datasource":{"type":"tempo","uid":"tempo"},"queryType":"traceql","limit":20,"tableType":"traces","query":"'"$q"'"}],"range":{"from":"now-1h","to":"now"}}}'
  printf 'http://localhost:%s/explore?schemaVersion=1&orgId=1&panes=%s' "$grafana_port" "$(urlencode "$pane")"
}

print_links() {
  local events=$1 run_id
  run_id=$(sed -n 's/.*"run_id":"\([^"]*\)".*/\1/p' "$events" 2>/dev/null | head -n 1 || true)
  printf '\n'
  say "Grafana:   http://localhost:$grafana_port/"
  say "dashboard: http://localhost:$grafana_port/d/voidbox-playground/voidbox?orgId=1&from=now-30m&to=now&var-pipeline=$pipeline_name"
  if [ -n "$run_id" ]; then
    say "this run's trace (run_id $run_id; Tempo needs a few seconds to show it):"
    say "  $(explore_url "{ span.voidbox.run_id = \"$run_id\" }")"
  fi
  say "all playground runs:"
  say "  $(explore_url "{ resource.service.name = \"$service\" && name = \"pipeline:$pipeline_name\" }")"
  say "events of this run: $events"
  say "stop the stack: $0 --down"
}

# ---------------------------------------------------------------- run
temp_spec=''
cleanup() { if [ -n "$temp_spec" ]; then rm -f "$temp_spec"; fi; }
trap cleanup EXIT

prepare_spec() { # sets spec: the playground pipeline, with the provider line replaced unless scripted
  spec="$here/pipeline.yaml"
  if [ "$provider" = scripted ]; then
    return
  fi
  # Same directory as the original, so the relative scenario paths still resolve.
  temp_spec="$here/.pipeline-$provider.yaml"
  sed "s/^  provider: scripted\b.*/  provider: $provider/" "$spec" >"$temp_spec"
  grep -q "^  provider: $provider\$" "$temp_spec" || die "could not set the provider in $spec (line '  provider: scripted' not found)"
  spec=$temp_spec
}

run_pipeline() {
  local spec events rc=0
  prepare_spec
  mkdir -p "$runs_dir"
  events="$runs_dir/$(date -u +%Y%m%dT%H%M%SZ)-$provider.jsonl"
  say "running the playground pipeline (provider $provider, backend $backend), OTLP to 127.0.0.1:$grpc_port ..."
  VOIDBOX_OTLP_ENDPOINT="http://127.0.0.1:$grpc_port" VOIDBOX_OTLP_PROTOCOL=grpc VOIDBOX_SERVICE_NAME="$service" \
    "$voidbox" run --file "$spec" --events "$events" --backend "$backend" </dev/null || rc=$?
  print_links "$events"
  if [ "$rc" -ne 0 ]; then
    die "the pipeline run failed (exit $rc); its partial trace and metrics are in Grafana all the same"
  fi
}

check_docker
if [ "$mode" = down ]; then
  compose down
  say "stack stopped"
  exit 0
fi
check_tools
check_kvm
check_voidbox
choose_provider
check_provider
say "starting the stack (docker compose up -d; the first pull downloads about 1 GB) ..."
compose up -d
wait_for_stack
run_pipeline
