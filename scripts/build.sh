#!/usr/bin/env bash
# Builds the release binary exactly as the Dockerfile does: static
# (CGO_ENABLED=0), reproducible paths (-trimpath), stripped (-s -w), with the
# version stamped into main.buildVersion. A test keeps this command and the
# Dockerfile's identical.
#
#   VERSION=v1.2.3 OUT=dist/elastic-access-mcp scripts/build.sh
#   GOOS=darwin GOARCH=arm64 scripts/build.sh     # cross-compiles as usual
set -euo pipefail
cd "$(dirname "$0")/.."

VERSION="${VERSION:-$(git describe --tags --always --dirty 2>/dev/null || echo dev)}"
OUT="${OUT:-bin/elastic-access-mcp}"

CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.buildVersion=${VERSION}" -o "${OUT}" ./cmd/elastic-access-mcp
echo "built ${OUT} (version ${VERSION})" >&2
