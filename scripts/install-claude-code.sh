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
# Idempotent and safe to run concurrently: flock serializes installers, npm installs into a
# temporary sibling directory, and the verified result is renamed into place.
set -euo pipefail

PINNED="2.1.197"
PACKAGE="@anthropic-ai/claude-code"
NATIVE="node_modules/@anthropic-ai/claude-code-linux-x64/claude"
MARKER=".voidbox-installed"

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

data_dir="${VOIDBOX_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/voidbox}"
dir="$data_dir/claude-code/$VERSION"
bin="$dir/$NATIVE"

installed() { [[ -f "$dir/$MARKER" && -x "$bin" ]]; }

if installed; then
  echo "$bin"
  exit 0
fi

if [[ "$(uname -s)" != Linux || "$(uname -m)" != x86_64 ]]; then
  echo "install-claude-code: Claude Code is installed for linux-x64 only; this is $(uname -s)/$(uname -m)" >&2
  exit 2
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "install-claude-code: npm not found on PATH: install Node.js/npm: apt-get install -y nodejs npm" >&2
  exit 2
fi

parent="$(dirname "$dir")"
mkdir -p "$parent"
exec 9>"$parent/.$VERSION.lock"
if ! flock -w 900 9; then
  echo "install-claude-code: timed out waiting for $parent/.$VERSION.lock" >&2
  exit 1
fi

if installed; then
  echo "$bin"
  exit 0
fi

tmp="$(mktemp -d "$parent/.tmp-$VERSION-XXXXXXXX")"
chmod 755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
if ! timeout 600 npm install --prefix "$tmp" --no-audit --no-fund "$PACKAGE@$VERSION" >"$tmp.log" 2>&1; then
  echo "install-claude-code: npm install of $PACKAGE@$VERSION failed:" >&2
  tail -n 20 "$tmp.log" >&2
  rm -f "$tmp.log"
  exit 1
fi
rm -f "$tmp.log"
if [[ ! -f "$tmp/$NATIVE" ]]; then
  echo "install-claude-code: npm install succeeded but $NATIVE is missing" >&2
  exit 1
fi
chmod +x "$tmp/$NATIVE"
printed="$("$tmp/$NATIVE" --version </dev/null 2>&1 || true)"
if [[ "$printed" != *"$VERSION"* ]]; then
  echo "install-claude-code: $NATIVE --version printed '$printed', expected $VERSION" >&2
  exit 1
fi
echo "$VERSION" >"$tmp/$MARKER"
if installed; then
  # Another installer (e.g. the Java one, whose lock flock(1) does not see) finished first.
  echo "$bin"
  exit 0
fi
if [[ -e "$dir" ]]; then
  # An incomplete directory (no marker): move it aside and remove it.
  broken="$parent/.broken-$VERSION-$$"
  mv "$dir" "$broken"
  rm -rf "$broken"
fi
mv -T "$tmp" "$dir"
trap - EXIT
echo "$bin"
