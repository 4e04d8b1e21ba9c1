#!/usr/bin/env bash
# Mutation testing of the engine's protocols and invariants (`make mutants`): cargo-mutants plants
# one small bug at a time (.cargo/mutants.toml says where and which tests run) and this prints,
# per source file, how many were caught, missed, timed out or did not build (unviable).
#
#   scripts/mutants.sh                    every protocol and invariant file (about an hour and a half)
#   scripts/mutants.sh raft/ paxos/mod    only files whose path contains one of these
#   scripts/mutants.sh --summary DIR      the table for an earlier run's DIR/mutants.out
#
# One cargo-mutants run covers every file selected, so the tree is copied and built once; the
# counts are then split by file. Missed mutants are listed under the table with their line.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

# Reads cargo-mutants' caught.txt, missed.txt, timeout.txt and unviable.txt (one mutant a line,
# `path:line:col: what`) and prints a count per file and category, as a Markdown table.
summarise() {
  local out=$1
  if ! [ -f "$out/caught.txt" ]; then
    echo "no cargo-mutants results in $out" >&2
    return 1
  fi
  for kind in caught missed timeout unviable; do
    # A file that is missing or empty counts nothing.
    sed "s|^|$kind |" "$out/$kind.txt" 2>/dev/null || true
  done | awk '
    {
      split($2, where, ":")
      file = where[1]
      sub("^crates/engine/src/", "", file)
      files[file] = 1
      n[file, $1]++
    }
    END {
      for (f in files) {
        print f, n[f, "caught"] + 0, n[f, "missed"] + 0, n[f, "timeout"] + 0, n[f, "unviable"] + 0
      }
    }' | sort | awk '
    BEGIN { printf "| file | caught | missed | timeout | unviable |\n|---|---:|---:|---:|---:|\n" }
    {
      printf "| %s | %d | %d | %d | %d |\n", $1, $2, $3, $4, $5
      for (i = 2; i <= 5; i++) total[i] += $i
    }
    END { printf "| **all** | %d | %d | %d | %d |\n", total[2], total[3], total[4], total[5] }'
  for kind in missed timeout; do
    if [ -s "$out/$kind.txt" ]; then
      echo
      echo "$kind:"
      sed 's|^crates/engine/src/|  |' "$out/$kind.txt"
    fi
  done
}

if [ "${1:-}" = "--summary" ]; then
  summarise "${2:?usage: $0 --summary DIR}/mutants.out"
  exit
fi

scripts/install-tools.sh mutants

filter=()
for f in "$@"; do
  # Each argument narrows to the mutants whose name (it starts with the file's path) contains it.
  filter+=(--re "^crates/engine/src/[^:]*${f//./\\.}")
done

out=target/mutants
mkdir -p "$out"
status=0
# nice: the machine has two cores and other work goes on beside this.
nice -n 19 cargo mutants --package lab-engine --jobs 1 --output "$out" "${filter[@]}" || status=$?
echo
summarise "$out/mutants.out"
# cargo-mutants: 2 means mutants were missed, 3 that some timed out; 1 and 4 are failures of the
# run itself (bad arguments, the tests fail without any mutant).
exit "$status"
