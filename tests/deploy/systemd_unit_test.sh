#!/usr/bin/env bash
# Checks deploy/systemd/waba-journal.service offline, with Debian's systemd-analyze: the unit
# parses without a single warning, and its sandbox scores at most 1.5 on `security` (lower is
# safer; 1.1 today). Run by ctest (test deploy_systemd_unit).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
unit=$root/deploy/systemd/waba-journal.service
command -v systemd-analyze >/dev/null || { echo "systemd-analyze missing (package systemd)"; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# verify wants ExecStart's binary to exist; the unit is otherwise checked as shipped.
sed 's|^ExecStart=/usr/local/bin/waba-journal |ExecStart=/bin/true |' "$unit" > "$tmp/waba-journal.service"
grep -q '^ExecStart=/bin/true serve ' "$tmp/waba-journal.service"
# verify exits 0 on "Unknown key" and similar warnings: any output is a failure.
out=$(systemd-analyze verify "$tmp/waba-journal.service" 2>&1 || true)
if [ -n "$out" ]; then
  echo "systemd-analyze verify complained:"; echo "$out"; exit 1
fi
# --threshold is ten times the exposure score (1.5 → 15).
systemd-analyze security --offline=yes --threshold=15 "$unit" | tail -n 3
echo "unit OK"
