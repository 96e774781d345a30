#!/usr/bin/env bash
# Installs the pinned kustomize used by test/deploy into .run/bin (git-ignored), once.
# Why pinned: kustomize output (ordering, generator hashes, load restrictions) changes between
# releases, and the CI specs compare objects; a moving version would make them flaky.
# Why `go install` from the module proxy: it is the one source reachable from CI offline-ish
# runners here (no GitHub release downloads needed); the Go checksum database verifies it.
# Why v5.8.2 and not v5.8.3: v5.8.3 requires go >= 1.27; v5.8.2 builds with go 1.26.
set -euo pipefail

KUSTOMIZE_VERSION="${KUSTOMIZE_VERSION:-v5.8.2}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN_DIR="$ROOT/.run/bin"
BIN="$BIN_DIR/kustomize"

if [[ -x "$BIN" ]]; then
  # Reinstall only when the pinned version changed, so bumping KUSTOMIZE_VERSION takes effect.
  if "$BIN" version 2>/dev/null | grep -q "${KUSTOMIZE_VERSION}"; then
    echo "kustomize ${KUSTOMIZE_VERSION} already at $BIN"
    exit 0
  fi
fi

if ! command -v go >/dev/null 2>&1; then
  echo "go is required to install kustomize (go install sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION})" >&2
  exit 1
fi

mkdir -p "$BIN_DIR"
echo "installing kustomize ${KUSTOMIZE_VERSION} into $BIN_DIR"
# CGO off: a static binary, and no C toolchain needed on the runner.
GOBIN="$BIN_DIR" CGO_ENABLED=0 go install "sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}"
"$BIN" version
