#!/bin/sh
# Build the committed front-end assets from node_modules (run `npm ci` first).
# Nothing needs npm at run time: the outputs under static/ are committed.
set -eu
cd "$(dirname "$0")/.."

GOVUK=node_modules/govuk-frontend/dist/govuk

npx sass --pkg-importer=node --style=compressed --no-source-map assets/app.scss static/app.css

rm -rf static/govuk
mkdir -p static/govuk static/vendor
cp -r "$GOVUK/assets" static/govuk/
# A council service must not use the GDS Transport font.
rm -rf static/govuk/assets/fonts
cp "$GOVUK/govuk-frontend.min.js" "$GOVUK/govuk-frontend.min.js.map" static/govuk/
cp node_modules/htmx.org/dist/htmx.min.js static/vendor/

# Fail the build if GDS Transport crept back in (e.g. a changed $govuk-font-family).
if grep -qiE 'gds transport|gds-transport|\.woff' static/app.css; then
  echo "static/app.css refers to GDS Transport font files" >&2
  exit 1
fi
