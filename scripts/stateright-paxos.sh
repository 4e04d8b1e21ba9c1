#!/usr/bin/env bash
# `make bench`'s side-by-side figure for the explorer: Stateright's examples/paxos.rs `check 3`
# (single-decree Paxos, 3 servers, 3 clients, breadth-first on every core), built from its
# crates.io package, then `lab explore` on single-decree Paxos on every core, on the same machine
# one after the other. Unique states per wall second and peak resident memory per unique state,
# beside the targets (lab >= 2x Stateright's rate, <= half its bytes per state). Figures only:
# nothing is asserted.
set -euo pipefail
VERSION=0.31.0
root=$(cd "$(dirname "$0")/.." && pwd)
work="${TMPDIR:-/tmp}/lab-stateright-$VERSION"
paxos="$work/target/release/examples/paxos"
cores=$(nproc)

if [ ! -x "$paxos" ]; then
  echo "building Stateright $VERSION's examples/paxos.rs (once, in $work)..." >&2
  mkdir -p "$work/fetch/src"
  # Cargo itself downloads the package, as it does any dependency.
  cat > "$work/fetch/Cargo.toml" <<EOF
[package]
name = "fetch-stateright"
version = "0.0.0"
edition = "2021"

[dependencies]
stateright = "=$VERSION"

[workspace]
EOF
  touch "$work/fetch/src/lib.rs"
  (cd "$work/fetch" && cargo fetch -q)
  crate=$(ls "${CARGO_HOME:-$HOME/.cargo}"/registry/cache/*/"stateright-$VERSION.crate" | head -1)
  tar xzf "$crate" -C "$work"
  src="$work/stateright-$VERSION"
  # A workspace of its own, not whatever encloses $TMPDIR.
  grep -q '^\[workspace\]' "$src/Cargo.toml" || echo '[workspace]' >> "$src/Cargo.toml"
  (cd "$src" && cargo build -q --release --example paxos --target-dir "$work/target")
fi
(cd "$root" && cargo build -q --profile bench -p lab-engine --bin lab)
lab="$root/target/release/lab"

# Runs a command; prints "<wall seconds> <peak resident KB>" and leaves its output in $work/out.
# GNU time (Debian's `time` package) measures the memory; without it, memory reads 0.
measure() {
  local t0 t1 kb=0
  t0=$(date +%s.%N)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%M' -o "$work/rss" "$@" > "$work/out" 2>/dev/null || true
    kb=$(tail -1 "$work/rss")
  else
    "$@" > "$work/out" 2>/dev/null || true
  fi
  t1=$(date +%s.%N)
  echo "$(awk "BEGIN { print $t1 - $t0 }") $kb"
}

read -r sr_wall sr_kb < <(measure "$paxos" check 3)
sr_unique=$(grep -o 'Done. .*unique=[0-9]*' "$work/out" | grep -o 'unique=[0-9]*' | cut -d= -f2)
read -r lab_wall lab_kb < <(measure "$lab" explore --protocol paxos --nodes 3 --proposers 2 \
  --max-depth 13 --threads "$cores")
lab_unique=$(head -1 "$work/out" | grep -o '[0-9]* unique' | cut -d' ' -f1)

awk -v cores="$cores" -v v="$VERSION" \
  -v su="$sr_unique" -v sw="$sr_wall" -v sk="$sr_kb" \
  -v lu="$lab_unique" -v lw="$lab_wall" -v lk="$lab_kb" 'BEGIN {
  printf "explore vs Stateright %s, both on %d cores (wall time, peak resident memory):\n", v, cores
  sr = su / sw / 1000; lr = lu / lw / 1000; sb = sk * 1024 / su; lb = lk * 1024 / lu
  printf "  Stateright paxos check 3:   %9d unique states in %6.2fs = %5.0f k/s, %6.1f MB = %4.0f bytes/state\n", su, sw, sr, sk / 1024, sb
  printf "  lab explore paxos depth 13: %9d unique states in %6.2fs = %5.0f k/s, %6.1f MB = %4.0f bytes/state\n", lu, lw, lr, lk / 1024, lb
  printf "  lab / Stateright: %.2fx the states per second (target >= 2x), %.2fx the bytes per state (target <= 0.5x)\n", lr / sr, (sb > 0 ? lb / sb : 0)
}'
