#!/usr/bin/env bash
# Vendor bpmn-js (viewer + modeler bundles, CSS, fonts) into web/static/vendor/bpmn-js/.
# The web app serves these files itself: no CDN at runtime.
# Usage: scripts/vendor-bpmn-js.sh [version]   (default: the pinned version below)
set -euo pipefail

VERSION="${1:-18.31.1}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/web/static/vendor/bpmn-js"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
npm init -y >/dev/null
npm install --no-audit --no-fund --ignore-scripts --save-exact "bpmn-js@$VERSION" >/dev/null
PKG="$WORK/node_modules/bpmn-js"
INSTALLED="$(node -p "require('$PKG/package.json').version")"
if [ "$INSTALLED" != "$VERSION" ]; then
  echo "expected bpmn-js $VERSION, npm installed $INSTALLED" >&2
  exit 1
fi

rm -rf "$DEST"
mkdir -p "$DEST"
cp "$PKG/dist/bpmn-navigated-viewer.production.min.js" "$DEST/"
cp "$PKG/dist/bpmn-modeler.production.min.js" "$DEST/"
cp -r "$PKG/dist/assets" "$DEST/assets"
cp "$PKG/LICENSE" "$DEST/LICENSE"
echo "$VERSION" > "$DEST/VERSION"
echo "bpmn-js $VERSION vendored into ${DEST#$ROOT/}"
