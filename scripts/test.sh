#!/usr/bin/env bash
# The test command (README, .ci/run): installs what the tests need, then runs every test once.
# VM tests run under TCG wherever QEMU installs; they print how many ran and with which accelerator.
set -euo pipefail
root=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
cd "$root"
. scripts/lib.sh
voidbox_find_jdk
voidbox_need_packages node:nodejs npm:npm shellcheck:shellcheck || echo "voidbox: continuing; tests that need Node.js or shellcheck report themselves as skipped" >&2
voidbox_need_packages "${VOIDBOX_NAMESPACE_PACKAGES[@]}" || echo "voidbox: continuing; namespace-backend tests report themselves as skipped" >&2
scripts/install-vm-deps.sh >&2 || echo "voidbox: continuing; VM tests that need the missing tools report themselves as skipped" >&2
# One pinned Claude Code install shared by all tests (project-owned directory, not global), and
# the newest on npm beside it: the Claude Code end-to-end tests run on both.
scripts/install-claude-code.sh >/dev/null || echo "voidbox: Claude Code could not be installed; the end-to-end tests will say why" >&2
if newest=$(scripts/install-claude-code.sh latest); then
  VOIDBOX_CLAUDE_CODE_NEWEST=$(basename "$(dirname "$(dirname "$(dirname "$(dirname "$newest")")")")")
  export VOIDBOX_CLAUDE_CODE_NEWEST
  echo "voidbox: Claude Code end-to-end tests run on ${VOIDBOX_CLAUDE_CODE_NEWEST} beside the pinned one" >&2
else
  echo "voidbox: the newest Claude Code could not be installed; its end-to-end tests will say why" >&2
fi
# Likewise the pinned Codex CLI (the second agent; its end-to-end tests run the real binary).
scripts/install-codex.sh >/dev/null || echo "voidbox: Codex could not be installed; its end-to-end tests will say why" >&2
log=$(mktemp -t voidbox-test.XXXXXX)
trap 'rm -f "$log"' EXIT
status=0
./mvnw -B install "$@" 2>&1 | tee "$log" || status=$?
# The run summary: how many VM tests ran (per module) and under which accelerator, or why they skipped.
echo "---- micro-VM tests ----"
grep -h '^VM tests:' "$log" || echo "VM tests: none reported"
exit "$status"
