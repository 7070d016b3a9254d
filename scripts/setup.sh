#!/usr/bin/env bash
# Sets up tunebench on a fresh Debian machine and runs the main job.
#  1. Debian's cairo/pango/jpeg/gif/rsvg development packages, which `canvas` (the renderer behind
#     chartjs-node-canvas) compiles against: its prebuilt binary cannot be downloaded here.
#  2. npm ci (package.json allows the install scripts of canvas, better-sqlite3 and the others; see
#     "allowScripts"). canvas and better-sqlite3 compile from source; lmdb and classic-level ship
#     their binaries in the package.
#  3. The TypeScript build (dist/).
#  4. The main job: `npm start` (tunebench run --quick: the default suite, report in tunebench-report/).
# Each step is skipped when already done, so running it again is cheap.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(libcairo2-dev libpango1.0-dev libjpeg-dev libgif-dev librsvg2-dev pkg-config fonts-dejavu-core)
missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ] \
   || ! node -e "require('canvas')" >/dev/null 2>&1; then
  echo "setup: npm ci (canvas and better-sqlite3 build from source: about two minutes)"
  npm ci --no-audit --no-fund
fi

echo "setup: building"
npm run build --silent

echo "setup: running the main job (npm start)"
npm start
