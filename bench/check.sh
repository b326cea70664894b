#!/usr/bin/env bash
# Benchmarks `maintdb check` (working tree and --rev) against the cost of reading the same
# objects with `git cat-file --batch-all-objects --batch`, on:
#   debian   the Debian corpus imported with `maintdb import debian-sources` (34k packages)
#   gen100k  a generated repository: 100,000 packages, 10,000 people, 500 groups
#   chains   gen100k plus 1,000 commits that each touch 100 packages (long delta chains), gc'd
# Every figure is the median of RUNS runs (default 5); peak memory is the maximum RSS.
# Usage: bench/check.sh [WORKDIR]   (needs ~2 GB of disk in WORKDIR, default /tmp/maintdb-bench)
set -euo pipefail
cd "$(dirname "$0")/.."
work=${1:-/tmp/maintdb-bench}
runs=${RUNS:-5}
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.org GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.org

cargo build --release -q --bin maintdb --example genrepo
bin=$PWD/target/release/maintdb
gen=$PWD/target/release/examples/genrepo
corpus=$PWD/../shared/corpus/debian-bookworm-main.sources
mkdir -p "$work"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# time_ms CMD...: prints the median wall time in ms over $runs runs.
time_ms() {
  for _ in $(seq "$runs"); do
    local s e
    s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N)
    echo $(((e - s) / 1000000))
  done | median
}

peak_mb() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.0f", $1/1024}'; }

setup() {
  local name=$1 dir=$work/$1
  [ -d "$dir" ] && return
  git init -q -b main "$dir"
  case $name in
    debian) (cd "$dir" && "$bin" import debian-sources "$corpus" >/dev/null) ;;
    gen100k) "$gen" 100000 10000 500 | git -C "$dir" fast-import --quiet && git -C "$dir" reset -q --hard main ;;
    chains) "$gen" 100000 10000 500 1000 100 | git -C "$dir" fast-import --quiet && git -C "$dir" reset -q --hard main ;;
  esac
  git -C "$dir" gc -q
}

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
