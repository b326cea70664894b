#!/usr/bin/env bash
# Benchmarks rendering and the changelog:
#   debian   `maintdb render` of the imported Debian corpus (34k packages)
#   gen100k  `maintdb render` of the 100,000-package repository, against `cp -r` of its output
#   history  the changelog of a generated 10,000-commit history (`maintdb log`), cold (no
#            cache) and warm (cache, one more commit), against
#            `git log --raw --no-renames -- maintainers/packages`
#   links    `cp -al` of the gen100k output: hard-linking every page of a generation, what
#            an incremental render cost when it made a fresh generation (it now brings the
#            generation before last up to date instead, and links only after an upgrade)
#   incremental  `maintdb render` after a one-package commit into (a clone of) gen100k, with
#            the generation before published, against `render --full` of the same commit
# Medians of RUNS runs (default 5). Usage: bench/render.sh   (WORK=dir as for bench/check.sh)
source "$(dirname "$0")/lib.sh"

setup debian
setup gen100k
# The output goes to OUT (default: tmpfs when there is one). On ext4 the cost of creating
# ~75k-240k files dominates and swings with the allocator's state (repeated create/delete
# makes ext4 scan for inodes), for `cp -r` as much as for maintdb.
out=${OUT:-$([ -d /dev/shm ] && echo /dev/shm/maintdb-render || echo "$work/render-out")}
rm -rf "$out" && mkdir -p "$out"
deb_ms=$(time_ms "$bin" --repo "$work/debian" render --out "$out/debian")
gen_ms=$(time_ms "$bin" --repo "$work/gen100k" render --out "$out/gen")
cp_runs=()
for _ in $(seq "$runs"); do
  rm -rf "$out/copy"
  s=$(date +%s%N); cp -r "$out/gen/" "$out/copy"; e=$(date +%s%N)
  cp_runs+=($(((e - s) / 1000000)))
done
cp_ms=$(printf '%s\n' "${cp_runs[@]}" | median)
ln_runs=()
for _ in $(seq "$runs"); do
  rm -rf "$out/links"
  s=$(date +%s%N); cp -al "$out/gen/" "$out/links"; e=$(date +%s%N)
  ln_runs+=($(((e - s) / 1000000)))
done
ln_ms=$(printf '%s\n' "${ln_runs[@]}" | median)
echo "cp_al_output_ms=$ln_ms links_percent_of_render=$(awk "BEGIN{printf \"%.1f\", 100*$ln_ms/$gen_ms}")"
rm -rf "$out"/*

# Incremental: a clone of gen100k publishes at one path; each run commits a change to one
# package (a new maintainer, alternately) and renders again, bringing the generation before
# last up to date, then renders the same commit in full elsewhere: the ratio is taken pair
# by pair. The first render after the clone is a full one and is not counted.
inc=$work/gen100k-inc
[ -d "$inc" ] || git clone -q "$work/gen100k" "$inc"
"$bin" --repo "$inc" render --out "$out/inc" >/dev/null
"$bin" --repo "$inc" render --full --out "$out/inc-full" >/dev/null
pairs=$(for i in $(seq "$runs"); do
  printf 'maintainers = ["u%d"]\n' "$i" >"$inc/maintainers/packages/l/libpkg1000.toml"
  git -C "$inc" commit -q -a -m "u$i takes libpkg1000"
  s=$(date +%s%N); "$bin" --repo "$inc" render --out "$out/inc" >/dev/null; m=$(date +%s%N)
  "$bin" --repo "$inc" render --full --out "$out/inc-full" >/dev/null; e=$(date +%s%N)
  echo "$(((m - s) / 1000000)) $(((e - m) / 1000000))"
done)
inc_ms=$(awk '{print $1}' <<<"$pairs" | median)
full_inc_ms=$(awk '{print $2}' <<<"$pairs" | median)
inc_pct=$(awk '{printf "%.1f\n", 100 * $1 / $2}' <<<"$pairs" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
echo "render_one_package_push_ms=$inc_ms render_full_same_commit_ms=$full_inc_ms incremental_percent=$inc_pct"
rm -rf "$out"
echo "output_dir=$out render_debian_ms=$deb_ms render_gen100k_ms=$gen_ms cp_r_output_ms=$cp_ms ratio=$(awk "BEGIN{printf \"%.2f\", $gen_ms/$cp_ms}")"

# A 10,000-commit history: 100 packages, each commit hands one over. The stamp names the
# generator's version: before version 2 almost every commit after the first hundred
# changed nothing, so a history made by an older one is made again.
hist=$work/history10k
stamp=$hist/.git/maintdb-bench-generator
if [ "$(cat "$stamp" 2>/dev/null)" != 2 ] || ! git -C "$hist" rev-parse -q --verify main >/dev/null; then
  rm -rf "$hist"
  git init -q -b main "$hist"
  "$gen" 100 100 5 10000 1 | git -C "$hist" fast-import --quiet
  git -C "$hist" gc -q
  echo 2 >"$stamp"
fi
gitlog_ms=$(time_ms sh -c "git -C '$hist' log --raw --no-renames -- maintainers/packages >/dev/null")
cold_ms=$(time_ms sh -c "rm -f '$hist/.git/maintdb/history.bin'; '$bin' --repo '$hist' log >/dev/null")
# Warm: the cache holds the history; one more commit is new.
"$bin" --repo "$hist" log >/dev/null
warm_runs=()
for _ in $(seq "$runs"); do
  tip=$(git -C "$hist" rev-parse main)
  tree=$(git -C "$hist" rev-parse "main^{tree}")
  new=$(git -C "$hist" commit-tree "$tree" -p "$tip" -m "one more")
  git -C "$hist" update-ref refs/heads/main "$new"
  s=$(date +%s%N); "$bin" --repo "$hist" log >/dev/null; e=$(date +%s%N)
  warm_runs+=($(((e - s) / 1000000)))
done
warm_ms=$(printf '%s\n' "${warm_runs[@]}" | median)
echo "git_log_raw_ms=$gitlog_ms changelog_cold_ms=$cold_ms cold_ratio=$(awk "BEGIN{printf \"%.2f\", $cold_ms/($gitlog_ms > 0 ? $gitlog_ms : 1)}") changelog_warm_ms=$warm_ms warm_percent=$(awk "BEGIN{printf \"%.1f\", 100*$warm_ms/$cold_ms}")"
