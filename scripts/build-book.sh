#!/usr/bin/env bash
# Trunk post-build hook: the guide (book/, mdBook) into the bundle's book/ folder, so that
# `trunk build` and `trunk serve` both serve it beside the app. Its consensus-lab blocks become
# live runs (crates/mdbook-lab); then its inline scripts and styles move into files, for the
# strict Content-Security-Policy the app runs under.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${TRUNK_STAGING_DIR:-dist}/book"
mdbook build book --dest-dir "$(realpath -m "$out")"
python3 scripts/externalize-book.py "$out"
