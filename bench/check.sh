#!/usr/bin/env bash
# Benchmarks `maintdb check` (working tree and --rev) against the cost of reading the same
# objects with `git cat-file --batch-all-objects --batch`, on:
#   debian   the Debian corpus imported with `maintdb import debian-sources` (34k packages)
#   gen100k  a generated repository: 100,000 packages, 10,000 people, 500 groups
#   chains   gen100k plus 1,000 commits that each touch 100 packages (long delta chains), gc'd
# Every figure is the median of RUNS runs (default 5); peak memory is the maximum RSS.
# Usage: bench/check.sh   (WORK=dir to choose where repositories go; ~2 GB of disk)
source "$(dirname "$0")/lib.sh"

printf '%-8s %12s %12s %12s %14s %14s\n' repo cat-file_ms rev_ms tree_ms rev_peak_MB tree_peak_MB
for name in debian gen100k chains; do
  setup "$name"
  dir=$work/$name
  cat_ms=$(time_ms sh -c "git -C '$dir' cat-file --batch-all-objects --batch >/dev/null")
  rev_ms=$(time_ms "$bin" --repo "$dir" check --rev HEAD)
  tree_ms=$(time_ms "$bin" --repo "$dir" check)
  printf '%-8s %12s %12s %12s %14s %14s\n' "$name" "$cat_ms" "$rev_ms" "$tree_ms" \
    "$(peak_mb "$bin" --repo "$dir" check --rev HEAD)" "$(peak_mb "$bin" --repo "$dir" check)"
done
