#!/usr/bin/env bash
# Installs the pinned Codex CLI into the VoidBox data directory (same layout as
# io.voidbox.agent.codex.CodexInstaller) and prints the native binary's path.
#
#   DIR = ${VOIDBOX_DATA_DIR:-${XDG_DATA_HOME:-~/.local/share}/voidbox}/codex/VERSION
#   BIN = DIR/node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex
#
# The install itself (idempotent, safe to run concurrently) is scripts/install-npm-cli.sh.
set -euo pipefail

VERSION="0.171.0"
PACKAGE="@openai/codex"
NATIVE="node_modules/@openai/codex-linux-x64/vendor/x86_64-unknown-linux-musl/bin/codex"

exec "$(dirname "$0")/install-npm-cli.sh" Codex codex "$PACKAGE" "$VERSION" "$NATIVE"
