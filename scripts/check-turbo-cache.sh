#!/usr/bin/env bash
# Turbo must never replay a stale pass. In a scratch copy of the working tree:
#  1. a real run: typecheck @typecrud/server, run it again (a cache hit), edit an entity file of
#     @typecrud/shared, run again: not a cache hit (turbo --summarize);
#  2. every typecheck and test task of a package that imports @typecrud/shared (directly or not)
#     gets a new hash from that edit, while an edit in a leaf (apps/scripts) leaves the hashes of
#     the packages below it alone (turbo --dry=json);
#  3. the variables tests read (TEST_DATABASE_URL, BENCH_*, ...) reach the test tasks and key
#     their cache, and `dev` passes PORT and DATA_DIR through.
# Usage: bash scripts/check-turbo-cache.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
version=$(node -p "require('./package.json').packageManager.split('@')[1]")
turbo="$root/node_modules/.bin/turbo"
[ -x "$turbo" ] || { echo "run the install first (no $turbo)" >&2; exit 1; }

scratch=$(mktemp -d /tmp/typecrud-turbo.XXXXXX)
shims=$(mktemp -d /tmp/typecrud-turbo-bin.XXXXXX)
trap 'rm -rf "$scratch" "$shims"' EXIT
# turbo runs tasks through the package manager: the pinned pnpm, wherever this is started from
printf '#!/bin/sh\nexec npx --yes pnpm@%s "$@"\n' "$version" >"$shims/pnpm"
chmod +x "$shims/pnpm"
export PATH="$shims:$PATH"
git ls-files -co --exclude-standard -z | tar --null -T - -cf - | tar -C "$scratch" -xf -
cd "$scratch"
git init -q && git add -A && git -c user.name=check -c user.email=check@example.invalid commit -qm base
npx --yes pnpm@"$version" install --frozen-lockfile --offline --reporter=silent </dev/null
export TURBO_TELEMETRY_DISABLED=1 TURBO_NO_UPDATE_NOTIFIER=1
unset TEST_DATABASE_URL TEST_REDIS_URL BENCH_ADMIN_URL BENCH_DATABASE

entity=packages/shared/src/core/entity.ts
[ -f "$entity" ] || { echo "no $entity to edit" >&2; exit 1; }

# Cache status of one task in the newest run summary.
status_of() {
  node -e '
    const fs = require("node:fs");
    const dir = ".turbo/runs";
    const newest = fs.readdirSync(dir).map((f) => `${dir}/${f}`).sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
    const task = JSON.parse(fs.readFileSync(newest, "utf8")).tasks.find((t) => t.taskId === process.argv[1]);
    console.log(task ? task.cache.status : "ABSENT");
  ' "$1"
}
run_typecheck() { "$turbo" run typecheck --filter=@typecrud/server --summarize --output-logs=errors-only >/dev/null; }

# 1. A real run.
run_typecheck
run_typecheck
[ "$(status_of '@typecrud/server#typecheck')" = HIT ] || { echo "an unchanged rerun was not a cache hit" >&2; exit 1; }
printf '\n// edited by scripts/check-turbo-cache.sh\n' >>"$entity"
run_typecheck
got=$(status_of '@typecrud/server#typecheck')
[ "$got" = MISS ] || { echo "@typecrud/server#typecheck after editing $entity: $got (a stale replay)" >&2; exit 1; }
echo "ok: editing $entity re-runs @typecrud/server#typecheck (it was a cache hit before the edit)"
git checkout -q -- "$entity"

# 2. Hashes of every dependent task, and only of those.
hashes() {
  "$turbo" run typecheck test --dry=json | node -e '
    const j = JSON.parse(require("node:fs").readFileSync(0, "utf8"));
    const out = {};
    for (const t of j.tasks) if (t.command !== "<NONEXISTENT>") out[t.taskId] = t.hash;
    console.log(JSON.stringify(out));
  '
}
compare() { # before after expectChanged(regex) expectSame(regex) label
  node -e '
    const [before, after, changed, same, label] = process.argv.slice(1);
    const b = JSON.parse(before), a = JSON.parse(after);
    const bad = [];
    for (const id of Object.keys(b)) {
      if (new RegExp(changed).test(id) && a[id] === b[id]) bad.push(`${id} kept its hash (would replay a stale result)`);
      if (new RegExp(same).test(id) && a[id] !== b[id]) bad.push(`${id} changed its hash (needless re-run)`);
    }
    if (bad.length) { console.error(`${label}:\n  ${bad.join("\n  ")}`); process.exit(1); }
    console.log(`ok: ${label}: ${Object.keys(b).filter((id) => new RegExp(changed).test(id)).length} tasks re-run`);
  ' "$1" "$2" "$3" "$4" "$5"
}
base=$(hashes)
printf '\n// edited by scripts/check-turbo-cache.sh\n' >>"$entity"
compare "$base" "$(hashes)" '^@typecrud/' '^$' "an edit in @typecrud/shared invalidates every typecheck and test"
git checkout -q -- "$entity"
printf '\n// edited by scripts/check-turbo-cache.sh\n' >>apps/scripts/src/api.ts
compare "$base" "$(hashes)" '^@typecrud/scripts#' '^@typecrud/(shared|server|api|client|admin|bench)#' \
  "an edit in apps/scripts invalidates only its own tasks"
git checkout -q -- apps/scripts/src/api.ts

# 3. Environment.
env_of() { # task var: the variable's entry as the task sees it (empty when turbo strips it)
  "$turbo" run test dev --dry=json | node -e '
    const [task, name] = process.argv.slice(1);
    const t = JSON.parse(require("node:fs").readFileSync(0, "utf8")).tasks.find((x) => x.taskId === task);
    const e = t.environmentVariables;
    console.log([...e.configured, ...e.passthrough].some((v) => v.startsWith(`${name}=`)) ? "yes" : "no");
  ' "$1" "$2"
}
fail=0
for pair in '@typecrud/server#test TEST_DATABASE_URL' '@typecrud/server#test TEST_REDIS_URL' \
  '@typecrud/bench#test BENCH_ADMIN_URL' '@typecrud/bench#test BENCH_DATABASE' '@typecrud/scripts#test API_URL' \
  '@typecrud/api#test CI' '@typecrud/api#dev PORT' '@typecrud/api#dev DATA_DIR' '@typecrud/api#dev DATABASE_URL' \
  '@typecrud/admin#dev API_URL'; do
  read -r task name <<<"$pair"
  got=$(export "$name=probe"; env_of "$task" "$name")
  if [ "$got" != yes ]; then echo "$task does not receive $name (turbo's strict env mode strips it)" >&2; fail=1; fi
done
without=$(hashes)
with=$(TEST_DATABASE_URL=postgres://probe hashes)
compare "$without" "$with" '#test$' '#typecheck$' "TEST_DATABASE_URL keys the test cache (not typecheck)" || fail=1
[ "$fail" = 0 ] && echo "ok: test and dev tasks receive the variables they read"
exit "$fail"
