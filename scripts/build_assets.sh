#!/usr/bin/env bash
# Compile GOV.UK Frontend (from the npm registry) into svcollect/static/govuk.
# No fonts or crown images are copied: svcollect is not a GOV.UK service.
set -euo pipefail
cd "$(dirname "$0")/.."
out=svcollect/static/govuk
mkdir -p "$out"
npx --no-install sass --no-source-map --style=compressed --quiet-deps --load-path=node_modules \
  svcollect/assets/app.scss "$out/app.css"
cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js "$out/govuk-frontend.min.js"
echo "assets built in $out"
