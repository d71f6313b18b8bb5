#!/bin/sh
# measure_overhead.sh - throughput cost of --probes=all, as README.md (eBPF probes, Overhead)
# reports it: WORKLOAD runs alternately without and with the probes (one
# counted run per harness invocation, interleaved off/on ROUNDS times), then
# prints the median ops/s of each mode and their ratio.
#
#   probes/measure_overhead.sh [WORKLOAD [ROUNDS [ALLOC]]]   (default random_mixed 7 glibc)
#   HARNESS_BUILD_DIR selects the build, as for ./harness.
set -eu
W=${1:-random_mixed}
ROUNDS=${2:-7}
ALLOC=${3:-glibc}
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
i=0
while [ "$i" -lt "$ROUNDS" ]; do
	./harness run "$W" --alloc="$ALLOC" --runs 1 --warmup 0 --quiet --out "$out/off.jsonl" >/dev/null
	./harness run "$W" --alloc="$ALLOC" --runs 1 --warmup 0 --quiet --probes=all --out "$out/on.jsonl" >/dev/null
	i=$((i + 1))
done
/usr/bin/python3 - "$out" "$W" "$ALLOC" <<'PY'
import json, statistics, sys
d, w, alloc = sys.argv[1:4]
med = {}
for mode in ("off", "on"):
    v = [json.loads(l)["ops_per_sec"] for l in open(f"{d}/{mode}.jsonl") if l.strip()]
    med[mode] = statistics.median(v)
    print(f"{w} {alloc} probes {mode:3}: median {med[mode]/1e6:.2f} M ops/s over {len(v)} runs "
          f"[{min(v)/1e6:.2f} .. {max(v)/1e6:.2f}]")
print(f"{w} {alloc}: with --probes=all / without = {med['on']/med['off']:.3f} "
      f"({(med['on']/med['off']-1)*100:+.1f}%)")
PY
