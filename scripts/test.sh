#!/usr/bin/env bash
# Installs what is missing, builds, and runs the whole test suite, the browser tests of the
# web UI (Debian's chromium driven by playwright-core from npm) and the TLS front's
# end-to-end test (real nginx in front of a real serve) included.
# WJ_SANITIZE=1 builds and runs it under AddressSanitizer + UndefinedBehaviorSanitizer,
# without the browser tests (they exercise the UI, not memory safety).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# The TLS front's end-to-end test runs real nginx (rendered with envsubst, certificates made
# with openssl); the service unit is checked with systemd-analyze.
deploy=(nginx-light gettext-base openssl systemd)
if [ "${WJ_SANITIZE:-0}" = 1 ]; then
  bash "$root/scripts/install-deps.sh" "${deploy[@]}"
  build="$root/build-asan"
  options=(-DCMAKE_BUILD_TYPE=Debug -DWJ_SANITIZE=ON)
  ctest_options=(-LE browser)
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
else
  browser=(chromium fonts-dejavu-core)
  # A node from elsewhere ships its own npm, which Debian's npm package conflicts with.
  command -v node >/dev/null && command -v npm >/dev/null || browser+=(nodejs npm)
  bash "$root/scripts/install-deps.sh" "${browser[@]}" "${deploy[@]}"
  # playwright-core from the npm registry, at the exact version and integrity hash pinned by
  # tests/web/package-lock.json (npm ci fails on any mismatch); skipped when node_modules
  # already has the locked version.
  web="$root/tests/web"
  if ! (cd "$web" && node -e '
      const want = require("./package-lock.json").packages["node_modules/playwright-core"].version;
      process.exit(require("./node_modules/playwright-core/package.json").version === want ? 0 : 1);
    ' 2>/dev/null); then
    (cd "$web" && npm ci --no-audit --no-fund --loglevel=error)
  fi
  build="$root/build-test"
  options=(-DCMAKE_BUILD_TYPE=RelWithDebInfo)
  ctest_options=()
fi
cmake -S "$root" -B "$build" "${options[@]}" >/dev/null
cmake --build "$build" -j"$(nproc)"
ctest --test-dir "$build" --output-on-failure -j2 --timeout 300 "${ctest_options[@]}"
