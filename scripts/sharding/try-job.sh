#!/usr/bin/env bash
# Tries lab-check-job.yaml without a cluster: reads the manifest (PyYAML), checks the fields an
# Indexed Job needs, then runs its pod command here once per completion index, as Kubernetes
# would (JOB_COMPLETION_INDEX set, /results a folder), over SEEDS instead of ten million seeds,
# merges the summaries and compares the report with one `lab check` over the same seeds.
# Usage: scripts/sharding/try-job.sh [LAB] [SEEDS]   (defaults: target/release/lab, 1..400)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
lab=$(realpath "${1:-target/release/lab}")
seeds=${2:-1..400}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$here/lab-check-job.yaml" "$work/command" > "$work/job" <<'PY'
import sys, yaml
job = yaml.safe_load(open(sys.argv[1]))
assert job["apiVersion"] == "batch/v1" and job["kind"] == "Job", "a batch/v1 Job"
spec = job["spec"]
assert spec["completionMode"] == "Indexed", "an Indexed Job: the index is the shard"
pod = spec["template"]["spec"]
assert pod["restartPolicy"] in ("Never", "OnFailure")
(c,) = pod["containers"]
assert c["command"][-1] == "-c" and len(c["args"]) == 1
mount = {m["name"]: m["mountPath"] for m in c["volumeMounts"]}
assert {v["name"] for v in pod["volumes"]} == set(mount)
open(sys.argv[2], "w").write(c["args"][0])
print(spec["completions"], mount["results"])
PY
read -r completions results < "$work/job"
command=$(cat "$work/command")
mkdir -p "$work/results"
# The manifest's seeds and folder, swapped for a run this machine finishes in a moment.
command=${command//1..10000000/$seeds}
command=${command//$results/$work/results}
for ((i = 0; i < completions; i++)); do
  JOB_COMPLETION_INDEX=$i PATH="$(dirname "$lab"):$PATH" /bin/sh -c "$command"
done
whole=$(sed -e 's/--shard [^ ]*//' -e 's/--json.*//' <<< "$command")
"$lab" check --merge "$work"/results/shard-*.json > "$work/merged" || true
PATH="$(dirname "$lab"):$PATH" /bin/sh -c "$whole" > "$work/whole" || true
if cmp -s "$work/merged" "$work/whole"; then
  echo "ok: $completions pods over seeds $seeds merge to the whole run's report:"
  tail -1 "$work/whole"
else
  diff "$work/merged" "$work/whole"
  exit 1
fi
