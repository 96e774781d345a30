#!/usr/bin/env bash
# Builds tools/porcupine (the register linearizability check of the fault runs, on Porcupine, the
# Go module github.com/anishathalye/porcupine pinned in tools/porcupine/go.mod and go.sum) into
# .run/bin/chaos-porcupine (git-ignored), again only when its sources changed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/tools/porcupine"
BIN="$ROOT/.run/bin/chaos-porcupine"

if [[ -x "$BIN" && "$BIN" -nt "$SRC/main.go" && "$BIN" -nt "$SRC/go.mod" && "$BIN" -nt "$SRC/go.sum" ]]; then
  echo "chaos-porcupine up to date at $BIN"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "go is required to build tools/porcupine" >&2
  exit 1
fi
mkdir -p "$(dirname "$BIN")"
(cd "$SRC" && CGO_ENABLED=0 go build -o "$BIN" .)
echo "chaos-porcupine built at $BIN"
