#!/usr/bin/env bash
# Keeps the README's commands working as written, for a newcomer in any shell:
#  1. every pnpm the README, .ci/run and scripts/ name is `npx --yes pnpm@<packageManager version>`
#     (the one pin is package.json's packageManager; `npx` without --yes cancels with no terminal);
#  2. from a clean clone of HEAD, with no terminal and no stdin, the quick start's first command
#     (install + start) installs and the server answers /health;
#  3. with --test, the quick start's second command (install + test) passes there too.
# Usage: bash scripts/check-readme-commands.sh [--static] [--test]
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
static_only=false
with_test=false
for arg in "$@"; do
  case "$arg" in
    --static) static_only=true ;;
    --test) with_test=true ;;
    *) echo "unknown option: $arg" >&2; exit 2 ;;
  esac
done

version=$(node -p "require('./package.json').packageManager.split('@')[1]")
pin="npx --yes pnpm@$version"
fail=0

# 1. One pin everywhere.
files=(README.md .ci/run)
# (this file spells out the patterns it looks for, so it is not scanned itself)
while IFS= read -r f; do files+=("$f"); done < <(git ls-files -co --exclude-standard 'scripts/*' '*.md' |
  grep -v -e '^README.md$' -e '^scripts/check-readme-commands.sh$')
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  while IFS= read -r hit; do
    line=${hit%%:*}
    text=${hit#*:}
    # every pnpm@<version> must be the pin, run through `npx --yes`
    for found in $(grep -o 'pnpm@[0-9A-Za-z.^~-]*' <<<"$text" || true); do
      [ "$found" = 'pnpm@' ] && continue # computed from package.json (.ci/run)
      if [ "$found" != "pnpm@$version" ]; then
        echo "$f:$line: names $found; the pin (package.json packageManager) is pnpm@$version" >&2
        fail=1
      fi
    done
    if grep -q 'npx ' <<<"$text" && ! grep -q 'npx --yes pnpm@' <<<"$text"; then
      echo "$f:$line: npx without --yes cancels in a shell without a terminal: $text" >&2
      fail=1
    fi
  done < <(grep -n 'pnpm@\|npx [^`]*pnpm' "$f" || true)
done
quick_start=$(awk '/^## Quick start/{q=1} q && /^```sh/{c=1; next} c && /^```/{exit} c' README.md)
install_start=$(sed -n 1p <<<"$quick_start" | sed 's/[[:space:]]*#.*$//')
install_test=$(sed -n 2p <<<"$quick_start" | sed 's/[[:space:]]*#.*$//')
if [ "$install_start" != "$pin install && $pin start" ]; then
  echo "README quick start, first command: expected '$pin install && $pin start', found '$install_start'" >&2
  fail=1
fi
if [ "$install_test" != "$pin install && $pin test" ]; then
  echo "README quick start, second command: expected '$pin install && $pin test', found '$install_test'" >&2
  fail=1
fi
[ "$fail" = 0 ] || exit 1
echo "ok: README, .ci/run and scripts name $pin"
$static_only && exit 0

# 2. A clean clone, no terminal (setsid), no stdin.
scratch=$(mktemp -d /tmp/typecrud-readme.XXXXXX)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill -TERM -- "-$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$scratch"
}
trap cleanup EXIT
git clone --quiet "$root" "$scratch/repo"
echo "clone of $(git rev-parse --short HEAD) in $scratch/repo"
port=$(node -e "const s=require('node:net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")
(
  cd "$scratch/repo"
  # env -u: the README's command must work without what CI exports.
  PORT=$port DATA_DIR="$scratch/data" exec setsid env -u TEST_DATABASE_URL -u TEST_REDIS_URL -u DATABASE_URL \
    bash -c "$install_start" </dev/null >"$scratch/start.log" 2>&1
) &
server_pid=$!
deadline=$((SECONDS + 600))
until curl -fsS "http://127.0.0.1:$port/health" >"$scratch/health.json" 2>/dev/null; do
  if ! kill -0 "$server_pid" 2>/dev/null; then
    echo "install + start exited before answering /health:" >&2
    tail -n 40 "$scratch/start.log" >&2
    exit 1
  fi
  if [ "$SECONDS" -ge "$deadline" ]; then
    echo "no answer on http://127.0.0.1:$port/health within 600 s:" >&2
    tail -n 40 "$scratch/start.log" >&2
    exit 1
  fi
  sleep 1
done
echo "ok: '$install_start' with no terminal answers /health on port $port: $(cat "$scratch/health.json")"
if grep -q 'Ignored build scripts' "$scratch/start.log"; then
  echo "the install ignored build scripts (drop the dependency or approve it):" >&2
  grep -A2 'Ignored build scripts' "$scratch/start.log" >&2
  exit 1
fi
kill -TERM -- "-$server_pid"
wait "$server_pid" 2>/dev/null || true
server_pid=

# 3. Optionally the test command too (the whole suite: minutes).
if $with_test; then
  (
    cd "$scratch/repo"
    setsid env -u TEST_DATABASE_URL -u TEST_REDIS_URL -u DATABASE_URL bash -c "$install_test" </dev/null >"$scratch/test.log" 2>&1
  ) || { echo "install + test failed:" >&2; tail -n 60 "$scratch/test.log" >&2; exit 1; }
  echo "ok: '$install_test' with no terminal: $(grep -E 'Tasks:' "$scratch/test.log" | tail -n 1)"
fi
