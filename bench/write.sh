#!/usr/bin/env bash
# Benchmarks the writing commands in a clone of the generated 100,000-package repository:
#   new      `maintdb new PKG LOGIN` (a new package each run), not counting any push
#   drop500  `maintdb drop --regex '^bulk-'` over 500 packages the person maintains
#            (taken back with `take --regex` between runs, untimed)
# Medians of RUNS runs (default 11).
# Usage: bench/write.sh   (WORK=dir as for bench/check.sh)
RUNS=${RUNS:-11}
source "$(dirname "$0")/lib.sh"

setup gen100k
clone=$work/gen100k-clone
if [ ! -d "$clone" ]; then
  git clone -q "$work/gen100k" "$clone"
  for i in $(seq 0 499); do echo "bulk-pkg$i u5"; done >"$work/bulk.txt"
  (cd "$clone" && "$bin" import text "$work/bulk.txt" >/dev/null)
fi
cd "$clone"
n=$(date +%s)
new_runs=()
for i in $(seq "$runs"); do
  s=$(date +%s%N)
  "$bin" new "bench-$n-$i" u1 --as buildsystem >/dev/null
  e=$(date +%s%N)
  new_runs+=($(((e - s) / 1000)))
done
drop_runs=()
for _ in $(seq "$runs"); do
  s=$(date +%s%N)
  "$bin" drop --regex '^bulk-' --as u5 >/dev/null
  e=$(date +%s%N)
  drop_runs+=($(((e - s) / 1000)))
  "$bin" take --regex '^bulk-' --as u5 >/dev/null
done
new_us=$(printf '%s\n' "${new_runs[@]}" | median)
drop_us=$(printf '%s\n' "${drop_runs[@]}" | median)
echo "new_median_ms=$(awk "BEGIN{printf \"%.1f\", $new_us/1000}") drop500_median_ms=$(awk "BEGIN{printf \"%.1f\", $drop_us/1000}")"
git status --porcelain | head -3
