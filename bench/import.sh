#!/usr/bin/env bash
# Benchmarks `maintdb import debian-sources` on the vendored Debian corpus (34k packages):
#   xz_ms       import of tests/data/debian-bookworm-main.sources.xz into an empty repository
#   plain_ms    the same import from the decompressed file
#   ratio       xz_ms / plain_ms, measured pair by pair (median of the per-pair ratios)
#   reimport_ms a re-import of the same .xz into the repository it produced (nothing changes)
# Every figure is the median of RUNS runs (default 5).
# Each import writes ~75k files into a new clone. The clones go to IMPORT_DIR (default: tmpfs
# when there is one): on ext4, creating and deleting that many files run after run slows the
# kernel down from one run to the next, which would measure the file system, not maintdb.
# Usage: bench/import.sh   (WORK=dir for the shared inputs, IMPORT_DIR=dir for the clones)
source "$(dirname "$0")/lib.sh"
imports=${IMPORT_DIR:-$([ -d /dev/shm ] && echo /dev/shm/maintdb-import || echo "$work")}
mkdir -p "$imports"

plain=$work/debian-bookworm-main.sources
xz -dc "$corpus" >"$plain"

ns() { date +%s%N; }
fresh() { rm -rf "$1" && git init -q -b main "$1"; }

xz_all=() plain_all=() ratios=()
for _ in $(seq "$runs"); do
  fresh "$imports/imp-xz"; s=$(ns); (cd "$imports/imp-xz" && "$bin" import debian-sources "$corpus" >/dev/null); e=$(ns)
  x=$(((e - s) / 1000000))
  fresh "$imports/imp-plain"; s=$(ns); (cd "$imports/imp-plain" && "$bin" import debian-sources "$plain" >/dev/null); e=$(ns)
  p=$(((e - s) / 1000000))
  xz_all+=("$x") plain_all+=("$p") ratios+=("$(awk -v a="$x" -v b="$p" 'BEGIN{printf "%.3f", a/b}')")
done
reimport=$(cd "$imports/imp-xz" && time_ms "$bin" import debian-sources "$corpus")
[ "$(git -C "$imports/imp-xz" rev-list --count HEAD)" = 1 ] || { echo "re-import made a commit" >&2; exit 1; }

printf '%10s %10s %8s %12s\n' xz_ms plain_ms ratio reimport_ms
printf '%10s %10s %8s %12s\n' \
  "$(printf '%s\n' "${xz_all[@]}" | median)" "$(printf '%s\n' "${plain_all[@]}" | median)" \
  "$(printf '%s\n' "${ratios[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')" "$reimport"
