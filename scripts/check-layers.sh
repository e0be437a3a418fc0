#!/usr/bin/env bash
# Checks that includes between folders follow ARCHITECTURE.md: dependencies run one way,
#   server/cli → server/service → server/{api → forwarding, reconciler; ingest; retention}
#     → server/meta → server/http → server/util → storage (contract) ← storage/<engine>
#     ← storage/factory
# Prints every edge between folders with its count, then each include that breaks a rule, and
# exits 1 if there is one. Run from anywhere: bash scripts/check-layers.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# folder: the folders its files may include (besides its own).
declare -A allowed=(
  [server/cli]="server/service server/api server/ingest server/forwarding server/reconciler server/retention server/meta server/http server/util storage"
  [server/service]="server/api server/ingest server/forwarding server/reconciler server/retention server/meta server/http server/util storage"
  [server/api]="server/forwarding server/reconciler server/meta server/http server/util storage"
  [server/ingest]="server/meta server/http server/util storage"
  [server/forwarding]="server/meta server/http server/util storage"
  [server/reconciler]="server/meta server/http server/util storage"
  [server/retention]="server/util storage"
  [server/meta]="server/util storage"
  [server/http]="server/util storage"
  [server/util]="storage"
  [storage/factory]="storage storage/sqlite"
  [storage/sqlite]="storage"
  [storage]=""
)
# Layers below the subsystems may see only these storage headers: they know no journal.
declare -A storage_headers=(
  [server/http]="storage/status.h storage/embedded_file.h storage/digest.h"
  [server/util]="storage/status.h storage/embedded_file.h storage/digest.h"
)
# Third-party headers a folder must not include: engines' clients stay in their engine.
declare -A forbidden_system=(
  [storage]="SQLiteCpp/ sqlite3.h libpq-fe.h pistache/ curl/"
  [server]="SQLiteCpp/ sqlite3.h libpq-fe.h"
)

folder_of() {  # the folder a project header or source belongs to
  local dir
  dir=$(dirname "$1")
  echo "$dir"
}

failures=0
declare -A edges=()
while IFS= read -r file; do
  from=$(folder_of "$file")
  [ -n "${allowed[$from]+x}" ] || { echo "unknown folder: $from ($file)"; failures=1; continue; }
  top=${from%%/*}
  while IFS= read -r line; do
    if [[ $line =~ ^#include\ \"([^\"]+)\" ]]; then
      inc=${BASH_REMATCH[1]}
      to=$(folder_of "$inc")
      [ "$to" = "$from" ] && continue
      edges["$from -> $to"]=$(( ${edges["$from -> $to"]:-0} + 1 ))
      ok=0
      for a in ${allowed[$from]}; do [ "$a" = "$to" ] && ok=1; done
      if [ $ok = 1 ] && [ "$to" = storage ] && [ -n "${storage_headers[$from]+x}" ]; then
        ok=0
        for h in ${storage_headers[$from]}; do [ "$h" = "$inc" ] && ok=1; done
      fi
      [ $ok = 1 ] || { echo "not allowed: $file includes \"$inc\" ($from -> $to)"; failures=1; }
    elif [[ $line =~ ^#include\ \<([^\>]+)\> ]]; then
      inc=${BASH_REMATCH[1]}
      for key in "$from" "$top"; do
        [ "$key" = storage ] && [ "$from" != storage ] && continue  # engines may use their client
        for bad in ${forbidden_system[$key]:-}; do
          if [[ $inc == "$bad"* ]]; then
            echo "not allowed: $file includes <$inc>"
            failures=1
          fi
        done
      done
    fi
  done < "$file"
done < <(git ls-files --cached --others --exclude-standard 'server/*.cc' 'server/*.h' 'storage/*.cc' 'storage/*.h')

# Storage tests outside an engine's folder are written against the contract only.
while IFS= read -r file; do
  if grep -nE '#include ("storage/(sqlite|factory)/|<SQLiteCpp/|<sqlite3.h>|<libpq-fe.h>)' "$file"; then
    echo "not allowed: $file is a contract test but reaches an engine directly"
    failures=1
  fi
done < <(git ls-files --cached --others --exclude-standard 'tests/storage/*_test.cc' | grep -v '^tests/storage/[a-z]*/')

for e in "${!edges[@]}"; do printf '%5d  %s\n' "${edges[$e]}" "$e"; done | sort -k2
if [ $failures != 0 ]; then
  echo "layers: includes above break the dependency rules (see ARCHITECTURE.md)"
  exit 1
fi
echo "layers: every include between folders runs downward"
