#!/usr/bin/env bash
# Builds tools/envoy-validate (Envoy's data-plane API from the Go module
# github.com/envoyproxy/go-control-plane/envoy, pinned in tools/envoy-validate/go.mod) into
# .run/bin (git-ignored), once; test/deploy/envoy.spec.ts runs it on deploy/envoy/*.yaml.
# Like kustomize it comes from the Go module proxy (checked by the Go checksum database), and it
# is rebuilt only when its sources change (a stamp of their sha256).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/tools/envoy-validate"
BIN_DIR="$ROOT/.run/bin"
BIN="$BIN_DIR/envoy-validate"
STAMP="$BIN_DIR/envoy-validate.stamp"
SUM="$(cat "$SRC/go.mod" "$SRC/go.sum" "$SRC"/*.go | sha256sum | cut -d' ' -f1)"

if [[ -x "$BIN" && -f "$STAMP" && "$(cat "$STAMP")" == "$SUM" ]]; then
  echo "envoy-validate up to date at $BIN"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "go is required to build tools/envoy-validate (Go 1.26+: see tools/envoy-validate/go.mod)" >&2
  exit 1
fi
mkdir -p "$BIN_DIR"
echo "building envoy-validate into $BIN_DIR"
# CGO off: a static binary, and no C toolchain needed on the runner. -mod=readonly: go.sum decides.
(cd "$SRC" && CGO_ENABLED=0 go build -mod=readonly -o "$BIN" .)
echo "$SUM" > "$STAMP"
