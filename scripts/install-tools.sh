#!/usr/bin/env bash
# Installs what the build and the tests need, skipping whatever is already present.
# Everything comes from package registries (crates.io, Debian, npm): nothing is downloaded otherwise.
#   scripts/install-tools.sh build    wasm32 target, trunk, wasm-bindgen-cli, mdbook
#   scripts/install-tools.sh browser  Debian chromium and the npm packages of tests/e2e
#   scripts/install-tools.sh mutants  cargo-mutants, for `make mutants` only (`make test` needs none)
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
# The guide's builder; crates/mdbook-lab speaks its preprocessor protocol (mdbook-preprocessor,
# pinned to the same version in its Cargo.toml).
MDBOOK_VERSION=0.5.2
# Must equal the wasm-bindgen crate pinned in Cargo.toml; Trunk.toml names it too.
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p' Cargo.toml)
export PATH="$HOME/.cargo/bin:$PATH"

build_tools() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    rustup target add wasm32-unknown-unknown
  fi
  if [ "$(trunk --version 2>/dev/null)" != "trunk $TRUNK_VERSION" ]; then
    cargo install --locked trunk --version "$TRUNK_VERSION"
  fi
  if [ "$(mdbook --version 2>/dev/null)" != "mdbook v$MDBOOK_VERSION" ]; then
    cargo install --locked mdbook --version "$MDBOOK_VERSION"
  fi
  if [ "$(wasm-bindgen --version 2>/dev/null | cut -d' ' -f2)" != "$WASM_BINDGEN_VERSION" ]; then
    # Without --locked: the registry mirror can lag behind the crate's lock file.
    cargo install wasm-bindgen-cli --version "=$WASM_BINDGEN_VERSION"
  fi
}

browser_tools() {
  if ! [ -x /usr/bin/chromium ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq chromium >/dev/null
  fi
  if ! [ -d tests/e2e/node_modules/playwright-core ]; then
    (cd tests/e2e && npm ci --no-audit --no-fund)
  fi
}

mutation_tools() {
  if ! cargo mutants --version >/dev/null 2>&1; then
    cargo install --locked cargo-mutants
  fi
}

case "${1:-all}" in
  build) build_tools ;;
  browser) browser_tools ;;
  mutants) mutation_tools ;;
  all) build_tools; browser_tools ;;
  *) echo "usage: $0 [build|browser|mutants|all]" >&2; exit 2 ;;
esac
