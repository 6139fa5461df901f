#!/usr/bin/env bash
# Installs what supernode needs to build and test, and nothing that is already there.
# Debian/Ubuntu packages come from apt (only the missing ones); Swift itself must already be installed.
set -euo pipefail

# Debian packages the Swift toolchain and Foundation need at build and run time, OpenBLAS for the runtime's
# GEMMs, and Open MPI for its MPI backend.
packages=(
  binutils git libc6-dev libcurl4-openssl-dev libedit2 libgcc-12-dev libpython3-dev libsqlite3-0
  libstdc++-12-dev libxml2-dev libz3-dev pkg-config tzdata unzip zlib1g-dev
  libopenblas-dev libopenmpi-dev openmpi-bin
)

missing=()
if command -v dpkg-query >/dev/null 2>&1; then
  for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
    [[ "$status" == "install ok installed" ]] || missing+=("$package")
  done
fi

if (( ${#missing[@]} > 0 )); then
  echo "setup: installing missing packages: ${missing[*]}"
  if [[ $(id -u) -eq 0 ]]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "setup: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
  for candidate in /opt/swift/usr/bin /usr/share/swift/usr/bin; do
    if [[ -x "$candidate/swift" ]]; then
      echo "setup: swift is in $candidate but not on PATH; add it: export PATH=$candidate:\$PATH" >&2
      exit 1
    fi
  done
  echo "setup: Swift 6.1 or newer is required and was not found." >&2
  echo "       Install it from https://www.swift.org/install/linux/ (a tarball or swiftly), then rerun." >&2
  exit 1
fi

version=$(swift --version 2>/dev/null | sed -n 's/.*Swift version \([0-9]*\.[0-9]*\).*/\1/p' | head -1)
major=${version%%.*}; minor=${version#*.}
if [[ -z "$version" ]] || (( major < 6 || (major == 6 && minor < 1) )); then
  echo "setup: Swift 6.1 or newer is required; found '${version:-unknown}'." >&2
  exit 1
fi
