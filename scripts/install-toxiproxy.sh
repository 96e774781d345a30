#!/usr/bin/env bash
# Installs the pinned Toxiproxy server used by the fault runs (`bench ha chaos`, test/ha-chaos)
# into .run/bin (git-ignored) as toxiproxy-server, once. Same route as kustomize: `go install`
# from the Go module proxy, verified by the Go checksum database; no GitHub release downloads.
set -euo pipefail

TOXIPROXY_VERSION="${TOXIPROXY_VERSION:-v2.12.0}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN_DIR="$ROOT/.run/bin"
BIN="$BIN_DIR/toxiproxy-server"

STAMP="$BIN.version"

# `go install` does not stamp a version into the binary (`-version` prints "git"), so the
# installed version is kept beside it; a changed TOXIPROXY_VERSION reinstalls.
if [[ -x "$BIN" && -f "$STAMP" && "$(cat "$STAMP")" == "$TOXIPROXY_VERSION" ]]; then
  echo "toxiproxy-server ${TOXIPROXY_VERSION} already at $BIN"
  exit 0
fi

if ! command -v go >/dev/null 2>&1; then
  echo "go is required to install toxiproxy (go install github.com/Shopify/toxiproxy/v2/cmd/server@${TOXIPROXY_VERSION})" >&2
  exit 1
fi

mkdir -p "$BIN_DIR"
echo "installing toxiproxy-server ${TOXIPROXY_VERSION} into $BIN_DIR"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT
# The module's main package is cmd/server, so go install names the binary `server`: install
# into a temporary folder and rename. CGO off: a static binary, no C toolchain needed.
GOBIN="$TMP" CGO_ENABLED=0 go install "github.com/Shopify/toxiproxy/v2/cmd/server@${TOXIPROXY_VERSION}"
mv "$TMP/server" "$BIN"
echo "$TOXIPROXY_VERSION" > "$STAMP"
echo "toxiproxy-server ${TOXIPROXY_VERSION} installed at $BIN"
