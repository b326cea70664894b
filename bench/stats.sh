#!/usr/bin/env bash
# What the trends (stats.html, stats.json, the sparklines and the package timelines) add to a
# render: the Debian import with 10,000 more commits (each sets the maintainers of one of 500
# packages), rendered with a warm history cache by this tree's binary and by the binary of
# the commit before the trends came (BASE, default: the parent of the commit that added
# src/render/stats.rs), alternately, RUNS times each (default 5). Prints both medians and the
# ratio of each pair's times.
# Usage: bench/stats.sh   (WORK=dir, RUNS=n, BASE=rev)
source "$(dirname "$0")/lib.sh"
setup debian
repo=$work/debian-10k
if ! git -C "$repo" rev-parse -q --verify main >/dev/null 2>&1; then
  rm -rf "$repo"
  git clone -q "$work/debian" "$repo"
  mapfile -t logins < <(git -C "$repo" ls-tree --name-only main maintainers/people/ |
    sed -n '1,50{s|.*/||;s|\.toml$||;p}')
  mapfile -t paths < <(git -C "$repo" ls-tree -r --name-only main maintainers/packages/ | sed -n '1,500p')
  tip=$(git -C "$repo" rev-parse main)
  t0=$(git -C "$repo" log -1 --format=%ct main)
  for i in $(seq 10000); do
    if ((i % 7 == 0)); then body='maintainers = []'; else body="maintainers = [\"${logins[$((i % ${#logins[@]}))]}\"]"; fi
    printf 'commit refs/heads/main\ncommitter bench <bench@example.org> %d +0000\ndata 6\nbench\n' $((t0 + i * 3600))
    ((i == 1)) && printf 'from %s\n' "$tip"
    printf 'M 100644 inline %s\ndata %d\n%s\n\n' "${paths[$((i % 500))]}" $((${#body} + 1)) "$body"
  done | git -C "$repo" fast-import --quiet
  git -C "$repo" reset -q --hard main
  git -C "$repo" gc -q
fi
base=${BASE:-$(git log --diff-filter=A --format=%H -- src/render/stats.rs | tail -n 1)^}
base_dir=$work/stats-base
rm -rf "$base_dir" && git worktree prune
git worktree add -q --detach "$base_dir" "$base"
trap 'git worktree remove --force "$base_dir"' EXIT
CARGO_TARGET_DIR=$work/stats-base-target cargo build --release -q --bin maintdb --manifest-path "$base_dir/Cargo.toml"
old=$work/stats-base-target/release/maintdb
# The output goes to OUT (default: tmpfs when there is one), as in bench/render.sh: on ext4
# the time of creating and unlinking 100,000 files swings by more than the trends cost.
out=${OUT:-$([ -d /dev/shm ] && echo /dev/shm/maintdb-stats || echo "$work/stats-out")}
# Warm the history cache (both read the same file), then alternate.
"$bin" --repo "$repo" render --out "$out-new" >/dev/null
"$old" --repo "$repo" render --out "$out-old" >/dev/null
[ -f "$(readlink -f "$out-new")/stats.html" ] || { echo "no stats.html from this tree" >&2; exit 1; }
for _ in $(seq "$runs"); do
  s=$(date +%s%N); "$old" --repo "$repo" render --out "$out-old" >/dev/null; m=$(date +%s%N)
  "$bin" --repo "$repo" render --out "$out-new" >/dev/null; e=$(date +%s%N)
  echo "$(((m - s) / 1000000)) $(((e - m) / 1000000))"
done >"$work/stats-times.txt"
echo "render without trends (base $base): median $(cut -d' ' -f1 "$work/stats-times.txt" | median) ms"
echo "render with trends:                median $(cut -d' ' -f2 "$work/stats-times.txt" | median) ms"
echo "ratio per pair: $(awk '{printf "%.3f ", $2/$1}' "$work/stats-times.txt")"
echo "median ratio: $(awk '{print $2/$1}' "$work/stats-times.txt" | sort -g | awk '{a[NR]=$1} END {printf "%.3f\n", a[int((NR+1)/2)]}')"
echo "commits: $(git -C "$repo" rev-list --count main), packages: $(git -C "$repo" ls-tree -r --name-only main maintainers/packages | wc -l)"
