#!/usr/bin/env bash
# Benchmarks `maintdb compat CALLER set PKG LOGIN|nobody` (Mageia's command line) on the bare
# repository of a generated 30,000-package repository (600 people, 50 groups; Mageia's size),
# with the pre-receive hook installed as a server has it. Each run is one commit on the
# branch: u1 takes libpkg0 (which nobody maintains), then drops it again, alternately; both
# are timed. Also `compat u1 get libpkg0`. Medians of RUNS runs (default 11).
# Usage: bench/compat.sh   (WORK=dir as for bench/check.sh)
RUNS=${RUNS:-11}
source "$(dirname "$0")/lib.sh"

setup gen30k
bare=$work/gen30k.git
if [ ! -d "$bare" ]; then
  git clone -q --bare "$work/gen30k" "$bare"
  "$bin" hook install "$bare" >/dev/null
fi
compat() { "$bin" --repo "$bare" compat "$@"; }
compat u1 get libpkg0 >/dev/null
set_runs=()
for _ in $(seq "$runs"); do
  for to in u1 nobody; do
    s=$(date +%s%N)
    compat u1 set libpkg0 "$to"
    e=$(date +%s%N)
    set_runs+=($(((e - s) / 1000)))
  done
done
set_us=$(printf '%s\n' "${set_runs[@]}" | median)
get_us=$(time_us compat u1 get libpkg0)
echo "compat_set_median_ms=$(awk "BEGIN{printf \"%.1f\", $set_us/1000}") compat_get_median_ms=$(awk "BEGIN{printf \"%.1f\", $get_us/1000}") commits=$(git -C "$bare" rev-list --count main)"
