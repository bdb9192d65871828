#!/usr/bin/env bash
# Installs one version of an agent CLI's npm package into the VoidBox data directory and prints
# its native binary's path; the body of install-claude-code.sh and install-codex.sh.
#
#   scripts/install-npm-cli.sh NAME SUBDIR PACKAGE VERSION NATIVE
#
#   NAME     what the messages call it (Claude Code, Codex)
#   DIR    = ${VOIDBOX_DATA_DIR:-${XDG_DATA_HOME:-~/.local/share}/voidbox}/SUBDIR/VERSION
#   BIN    = DIR/NATIVE, checked to print VERSION with --version
#
# Idempotent and safe to run concurrently: flock serializes installers, npm installs into a
# temporary sibling directory, and the verified result is renamed into place (the layout and the
# marker file are those of the Java installers, io.voidbox.spi.support.NpmInstaller).
set -euo pipefail

if [[ $# -ne 5 ]]; then
  echo "usage: install-npm-cli.sh NAME SUBDIR PACKAGE VERSION NATIVE" >&2
  exit 2
fi
NAME="$1" SUBDIR="$2" PACKAGE="$3" VERSION="$4" NATIVE="$5"
MARKER=".voidbox-installed"
me="install-$SUBDIR"

data_dir="${VOIDBOX_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/voidbox}"
dir="$data_dir/$SUBDIR/$VERSION"
bin="$dir/$NATIVE"

installed() { [[ -f "$dir/$MARKER" && -x "$bin" ]]; }

if installed; then
  echo "$bin"
  exit 0
fi

if [[ "$(uname -s)" != Linux || "$(uname -m)" != x86_64 ]]; then
  echo "$me: $NAME is installed for linux-x64 only; this is $(uname -s)/$(uname -m)" >&2
  exit 2
fi
if ! command -v npm >/dev/null 2>&1; then
  echo "$me: npm not found on PATH: install Node.js/npm: apt-get install -y nodejs npm" >&2
  exit 2
fi

parent="$(dirname "$dir")"
mkdir -p "$parent"
exec 9>"$parent/.$VERSION.lock"
if ! flock -w 900 9; then
  echo "$me: timed out waiting for $parent/.$VERSION.lock" >&2
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
  echo "$me: npm install of $PACKAGE@$VERSION failed:" >&2
  tail -n 20 "$tmp.log" >&2
  rm -f "$tmp.log"
  exit 1
fi
rm -f "$tmp.log"
if [[ ! -f "$tmp/$NATIVE" ]]; then
  echo "$me: npm install succeeded but $NATIVE is missing" >&2
  exit 1
fi
chmod +x "$tmp/$NATIVE"
printed="$("$tmp/$NATIVE" --version </dev/null 2>&1 || true)"
if [[ "$printed" != *"$VERSION"* ]]; then
  echo "$me: $NATIVE --version printed '$printed', expected $VERSION" >&2
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
