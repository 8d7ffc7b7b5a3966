#!/usr/bin/env bash
# Builds the Go interop programs (real hashicorp/memberlist v0.6.0 from the Go module proxy)
# into interop/bin/. Idempotent and quick when nothing changed (Go's build cache).
set -euo pipefail
cd "$(dirname "$0")/../interop"
mkdir -p bin
go build -trimpath -o bin/ ./cmd/gonode ./cmd/govectors ./cmd/golzw ./cmd/gobench ./cmd/goregexp
