#!/usr/bin/env bash
# Installs a Claude Code CLI into the VoidBox data directory (same layout as
# io.voidbox.agent.claude.ClaudeCodeInstaller) and prints the native binary's path.
#
#   scripts/install-claude-code.sh            the pinned version
#   scripts/install-claude-code.sh 2.1.332    that version, beside the pinned one
#   scripts/install-claude-code.sh latest     the newest on npm (npm view), beside the pinned one
#
#   DIR = ${VOIDBOX_DATA_DIR:-${XDG_DATA_HOME:-~/.local/share}/voidbox}/claude-code/VERSION
#   BIN = DIR/node_modules/@anthropic-ai/claude-code-linux-x64/claude
#
# The native binary needs no Node; newer versions' npm wrapper wants Node >= 22, which the
# install does not need either (npm only unpacks the platform package).
#
# The install itself (idempotent, safe to run concurrently) is scripts/install-npm-cli.sh.
set -euo pipefail

PINNED="2.1.197"
PACKAGE="@anthropic-ai/claude-code"
NATIVE="node_modules/@anthropic-ai/claude-code-linux-x64/claude"

if [[ $# -gt 1 ]]; then
  echo "usage: install-claude-code.sh [VERSION|latest]" >&2
  exit 2
fi
VERSION="${1:-$PINNED}"
if [[ "$VERSION" == latest ]]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "install-claude-code: npm not found on PATH, needed to find the latest version" >&2
    exit 2
  fi
  VERSION="$(timeout 60 npm view "$PACKAGE" version 2>/dev/null || true)"
fi
if [[ ! "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.]+)?$ ]]; then
  echo "install-claude-code: '$VERSION' is not a Claude Code version (e.g. 2.1.332, or latest)" >&2
  exit 2
fi

exec "$(dirname "$0")/install-npm-cli.sh" "Claude Code" claude-code "$PACKAGE" "$VERSION" "$NATIVE"
