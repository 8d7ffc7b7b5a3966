#!/usr/bin/env bash
# Installs gdb (Debian's package; needs root) if it is missing: the memory benchmark
# (scripts/bench-memory.ts, also run by test/bench-smoke.test.ts) calls malloc_trim(0) in its
# TypeScript node processes through it. Idempotent; prints the gdb it has.
set -euo pipefail

if ! command -v gdb >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq gdb >/dev/null
  else
    echo "install-gdb: gdb missing and apt-get is not usable (need root)" >&2
    exit 1
  fi
fi
gdb --version | sed -n 1p
