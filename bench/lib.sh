# Shared by the benchmark scripts: build, generated repositories, timing.
# shellcheck shell=bash
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
work=${WORK:-/tmp/maintdb-bench}
runs=${RUNS:-5}
export GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1
# Imports and writing commands act as someone (commands that need another pass --as).
export MAINTDB_USER=bench
export GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.org GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.org

cargo build --release -q --bin maintdb --example genrepo
bin=$PWD/target/release/maintdb
gen=$PWD/target/release/examples/genrepo
corpus=$PWD/tests/data/debian-bookworm-main.sources.xz
mkdir -p "$work"

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

# time_in DIVISOR CMD...: the median wall time in ns/DIVISOR over $runs runs.
time_in() {
  local div=$1 s e
  shift
  for _ in $(seq "$runs"); do
    s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N)
    echo $(((e - s) / div))
  done | median
}
time_ms() { time_in 1000000 "$@"; }
time_us() { time_in 1000 "$@"; }

peak_mb() { /usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1 | awk '{printf "%.0f", $1/1024}'; }

# setup NAME: debian | gen100k | gen30k | chains, created once under $work and packed by git gc.
setup() {
  local name=$1 dir=$work/$1
  [ -d "$dir" ] && return
  git init -q -b main "$dir"
  case $name in
    debian) (cd "$dir" && "$bin" import debian-sources "$corpus" >/dev/null) ;;
    gen100k) "$gen" 100000 10000 500 | git -C "$dir" fast-import --quiet && git -C "$dir" reset -q --hard main ;;
    gen30k) "$gen" 30000 600 50 | git -C "$dir" fast-import --quiet && git -C "$dir" reset -q --hard main ;;
    chains) "$gen" 100000 10000 500 1000 100 | git -C "$dir" fast-import --quiet && git -C "$dir" reset -q --hard main ;;
  esac
  git -C "$dir" gc -q
}
