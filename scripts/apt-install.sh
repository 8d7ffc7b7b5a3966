#!/usr/bin/env bash
# Installs one Debian package with apt-get (install-serf.sh, install-gdb.sh). Needs root and
# apt-get; without them it says so on stderr and exits 1.
#   bash scripts/apt-install.sh PACKAGE
set -euo pipefail

pkg="${1:?usage: apt-install.sh PACKAGE}"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq "$pkg" >/dev/null
else
  echo "apt-install: cannot install $pkg: apt-get is not usable (need root)" >&2
  exit 1
fi
