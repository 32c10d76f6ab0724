#!/usr/bin/env bash
# Installs the Debian packages LSMDB builds and tests with, if any is missing.
# Sourced by tools/run and tools/test.
LSMDB_PACKAGES=(meson ninja-build g++ pkg-config libasio-dev libfmt-dev libtomlplusplus-dev
  catch2 libxxhash-dev liblz4-dev redis-tools redis-server python3-redis rocksdb-tools
  libssl-dev)
lsmdb_install_deps() {
  local missing=()
  for p in "${LSMDB_PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "installing: ${missing[*]}"
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo=sudo
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
}
lsmdb_build() {
  local dir=${1:-build}
  if [ ! -f "$dir/build.ninja" ]; then
    rm -rf "$dir"
    meson setup "$dir" >/dev/null || { rm -rf "$dir"; meson setup "$dir" || return 1; }
  fi
  ninja -C "$dir"
}
