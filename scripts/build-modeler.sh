#!/usr/bin/env bash
# Build the process designer's modeler bundle into web/static/modeler/:
#   modeler.bundle.js   bpmn-js Modeler + NavigatedViewer + bpmn-js-properties-panel + Alur's provider
#   modeler.bundle.css  diagram-js, bpmn-js, bpmn font (fonts/) and properties-panel styles
# The versions are pinned in web/modeler-src/package.json and package-lock.json (npm ci); the
# built files are committed and served by the app: CI does not rebuild them, no CDN at runtime.
# Usage: scripts/build-modeler.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SRC="$ROOT/web/modeler-src"
DEST="$ROOT/web/static/modeler"

cd "$SRC"
npm ci --no-audit --no-fund --ignore-scripts >/dev/null
ESBUILD="$SRC/node_modules/.bin/esbuild"
"$ESBUILD" src/index.js --bundle --minify --format=iife --target=es2019 \
  --legal-comments=eof --outfile="$DEST/modeler.bundle.js" --log-level=warning
rm -rf "$DEST/fonts"
"$ESBUILD" src/modeler.css --bundle --minify --outfile="$DEST/modeler.bundle.css" --log-level=warning \
  --loader:.eot=file --loader:.svg=file --loader:.ttf=file --loader:.woff=file --loader:.woff2=file \
  --asset-names=fonts/[name]

version() { node -p "require('$SRC/node_modules/$1/package.json').version"; }
licence() { node -p "require('$SRC/node_modules/$1/package.json').license"; }
{
  echo "# Modeler bundle: versions and licences"
  echo
  echo "Built by \`scripts/build-modeler.sh\` from \`web/modeler-src/\` (package.json + package-lock.json,"
  echo "installed with \`npm ci\`) with esbuild $(version esbuild). Do not edit the bundles by hand."
  echo
  echo "| package | version | licence |"
  echo "|---|---|---|"
  for pkg in bpmn-js diagram-js bpmn-moddle bpmn-js-properties-panel @bpmn-io/properties-panel preact \
             min-dash min-dom tiny-svg ids didi moddle moddle-xml saxen; do
    dir="$SRC/node_modules/$pkg"
    [ -d "$dir" ] || dir="$SRC/node_modules/@bpmn-io/properties-panel/node_modules/$pkg"
    if [ -f "$dir/package.json" ]; then
      echo "| $pkg | $(node -p "require('$dir/package.json').version") | $(node -p "require('$dir/package.json').license") |"
    fi
  done
  echo
  echo "bpmn-js is distributed under the bpmn.io licence (\"SEE LICENSE IN LICENSE\": MIT-like, the"
  echo "bpmn.io watermark must stay visible); its text is in \`LICENSE-bpmn-js\`. The other packages are MIT."
  echo "The full list of bundled packages with their licence comments is at the end of \`modeler.bundle.js\`."
} > "$DEST/VERSIONS.md"
cp "$SRC/node_modules/bpmn-js/LICENSE" "$DEST/LICENSE-bpmn-js"
echo "modeler bundle built into ${DEST#$ROOT/}"
