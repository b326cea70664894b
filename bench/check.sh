#!/usr/bin/env bash
# Benchmarks `maintdb check` (working tree and --rev) against the cost of reading the same
# objects with `git cat-file --batch-all-objects --batch`, on:
#   debian   the Debian corpus imported with `maintdb import debian-sources` (34k packages)
#   gen100k  a generated repository: 100,000 packages, 10,000 people, 500 groups
#   chains   gen100k plus 1,000 commits that each touch 100 packages (long delta chains), gc'd
# Each run times cat-file, `check --rev HEAD`, `check` and `git status` (one lstat per file
# and the index read: the floor of any working-tree check) one after the other; the ratios
# rev/cat-file, worktree/rev and worktree/status are taken pair by pair within a run, and
# every figure printed is the median over RUNS runs (default 5). Peak memory is the maximum
# RSS of one more run.
# Usage: bench/check.sh   (WORK=dir to choose where repositories go; ~2 GB of disk)
source "$(dirname "$0")/lib.sh"

ms() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo $(((e - s) / 1000000)); }
printf '%-8s %8s %8s %8s %10s %11s %8s %8s %10s %12s\n' repo cat_ms rev_ms tree_ms rev/cat tree/rev rev_MB tree_MB status_ms tree/status
for name in debian gen100k chains; do
  setup "$name"
  dir=$work/$name
  git -C "$dir" status -s >/dev/null # the index's stat data is fresh, as after any git command
  rows=$(for _ in $(seq "$runs"); do
    c=$(ms sh -c "git -C '$dir' cat-file --batch-all-objects --batch >/dev/null")
    r=$(ms "$bin" --repo "$dir" check --rev HEAD)
    t=$(ms "$bin" --repo "$dir" check)
    s=$(ms git -C "$dir" status --porcelain)
    echo "$c $r $t $s"
  done)
  col() { awk -v c="$1" '{print $c}' <<<"$rows" | median; }
  ratio() { awk -v a="$1" -v b="$2" '{printf "%.2f\n", $a / ($b > 0 ? $b : 1)}' <<<"$rows" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  printf '%-8s %8s %8s %8s %10s %11s %8s %8s %10s %12s\n' "$name" "$(col 1)" "$(col 2)" "$(col 3)" \
    "$(ratio 2 1)" "$(ratio 3 2)" \
    "$(peak_mb "$bin" --repo "$dir" check --rev HEAD)" "$(peak_mb "$bin" --repo "$dir" check)" \
    "$(col 4)" "$(ratio 3 4)"
done
