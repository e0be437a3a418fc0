#!/usr/bin/env bash
# Installs what is missing, builds, and starts waba-journal on its embedded default: a SQLite
# journal at ./waba-journal.db, listening on 127.0.0.1:8080. Without WABA_APP_SECRET and
# WABA_VERIFY_TOKEN it runs in demo mode and prints the secret and token it generated.
# Extra arguments go to `waba-journal serve` (see --help).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bash "$root/scripts/install-deps.sh"
cmake -S "$root" -B "$root/build" -DCMAKE_BUILD_TYPE=Release -DWJ_BUILD_TESTS=OFF >/dev/null
cmake --build "$root/build" -j"$(nproc)" --target waba-journal
exec "$root/build/waba-journal" serve --demo "$@"
