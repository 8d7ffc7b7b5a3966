#!/usr/bin/env bash
# Installs the two real Serf agents the Serf interop tests run against, if they are missing:
#   /usr/bin/serf            Debian's serf 0.9.4 (apt; needs root)
#   interop/bin/serf         Serf v0.10.2 built from the Go module proxy
# Idempotent: does nothing for a binary that is already there. Prints the paths it has.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

# Without root the message is printed and the Go-built agent is still tried.
if [ ! -x /usr/bin/serf ]; then
  bash "$root/scripts/apt-install.sh" serf || true
fi

if [ ! -x "$root/interop/bin/serf" ]; then
  if command -v go >/dev/null 2>&1; then
    mkdir -p "$root/interop/bin"
    GOBIN="$root/interop/bin" go install github.com/hashicorp/serf/cmd/serf@v0.10.2
  else
    echo "install-serf: go not found, cannot build serf v0.10.2" >&2
  fi
fi

[ -x /usr/bin/serf ] && echo "/usr/bin/serf"
[ -x "$root/interop/bin/serf" ] && echo "$root/interop/bin/serf"
exit 0
