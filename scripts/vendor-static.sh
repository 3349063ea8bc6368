#!/usr/bin/env bash
# Refresh the vendored front-end files from the npm registry (pinned versions).
# Run by hand when upgrading; the files are committed so a fresh clone needs no npm.
set -euo pipefail
cd "$(dirname "$0")/.."
dest=perno/web/static/vendor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fetch() {  # package@version
  (cd "$tmp" && npm pack --silent "$1" >/dev/null && mkdir -p "${1%@*}" && tar -xzf ./*.tgz -C "${1%@*}" && rm ./*.tgz)
}
fetch bootstrap@5.3.9
fetch htmx.org@2.0.11
mkdir -p "$dest/bootstrap" "$dest/htmx"
cp "$tmp/bootstrap/package/dist/css/bootstrap.min.css" "$dest/bootstrap/"
cp "$tmp/bootstrap/package/dist/js/bootstrap.bundle.min.js" "$dest/bootstrap/"
cp "$tmp/bootstrap/package/LICENSE" "$dest/bootstrap/LICENSE"
cp "$tmp/htmx.org/package/dist/htmx.min.js" "$dest/htmx/"
cp "$tmp/htmx.org/package/LICENSE" "$dest/htmx/LICENSE"
echo "bootstrap 5.3.9, htmx.org 2.0.11" > "$dest/VERSIONS"
