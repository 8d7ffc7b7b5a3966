#!/usr/bin/env bash
# Installs gdb (Debian's package; needs root) if it is missing: the memory benchmark
# (scripts/bench-memory.ts, also run by test/bench-smoke.test.ts) calls malloc_trim(0) in its
# TypeScript node processes through it. Idempotent; prints the gdb it has.
set -euo pipefail

if ! command -v gdb >/dev/null 2>&1; then
  bash "$(dirname "$0")/apt-install.sh" gdb
fi
gdb --version | sed -n 1p
