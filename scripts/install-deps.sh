#!/usr/bin/env bash
# Installs the Debian 12 packages needed to build and test WABA Journal, if any is missing.
set -euo pipefail
packages=(cmake make g++ pkg-config libpistache-dev libsqlitecpp-dev libsqlite3-dev
          nlohmann-json3-dev libssl-dev libspdlog-dev libgtest-dev libcurl4-openssl-dev
          ca-certificates "$@")
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
echo "installing: ${missing[*]}"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${missing[@]}"
