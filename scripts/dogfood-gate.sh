#!/usr/bin/env bash
# Dogfood: gate this checkout against a build of the previous commit, the way README's CI example
# gates a pull request against its base branch. Exit code: the gate's (0 pass, 1 regression, 2 error).
#  1. The previous commit's files (git archive) in a temporary folder.
#  2. Its dependencies: this checkout's node_modules when package-lock.json is unchanged, else npm ci.
#  3. Its build, then `tunebench gate --quick --against` it; the report stays in tunebench-gate/.
# No previous commit, or one too old to be measured (no harness registry), skips the gate with a line.
# The commit under test may accept regressions it declares in "Tunebench-Accept:" trailers of its
# message (README: "Acknowledging an intended regression"); the gate reads them (--accept-trailers)
# and they apply to this commit only. DOGFOOD_DRY_RUN=1 prints what would run and stops.
set -euo pipefail
cd "$(dirname "$0")/.."

base=$(git rev-parse -q --verify 'HEAD~1^{commit}' 2>/dev/null) || { echo "dogfood: no previous commit; no gate"; exit 0; }
accepts=$(git log -1 --format='%(trailers:key=Tunebench-Accept,valueonly,unfold)' HEAD | sed '/^[[:space:]]*$/d')
if [ -n "$accepts" ]; then
  echo "dogfood: the commit under test accepts:"
  printf '%s\n' "$accepts" | sed 's/^/  /'
fi
gate=(node dist/harness/cli.js gate --quick --accept-trailers --out tunebench-gate)
if [ "${DOGFOOD_DRY_RUN:-}" = 1 ]; then
  echo "dogfood: would build $(git rev-parse --short=12 "$base") and run: ${gate[*]} --against BASE"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dir="$work/base"
mkdir -p "$dir"
git archive "$base" | tar -x -C "$dir"
echo "dogfood: previous commit $(git log -1 --format='%h %s' "$base")"

if cmp -s package-lock.json "$dir/package-lock.json"; then
  ln -s "$(pwd)/node_modules" "$dir/node_modules"
else
  echo "dogfood: its package-lock.json differs: npm ci there"
  (cd "$dir" && npm ci --no-audit --no-fund >/dev/null)
fi
if ! (cd "$dir" && npm run build --silent) >"$work/build.log" 2>&1; then
  echo "dogfood: the previous commit does not build; no gate ($(tail -n 2 "$work/build.log" | tr '\n' ' '))"
  exit 0
fi
if [ ! -f "$dir/dist/harness/adapters/registry.js" ]; then
  echo "dogfood: the previous commit has no harness registry to measure; no gate"
  exit 0
fi
"${gate[@]}" --against "$dir"
