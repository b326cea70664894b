#!/usr/bin/env bash
# Benchmarks the tracker:
#   sync        `track sync` of N tracks (default 2,000) against the tests' replay of the BTS,
#               the mirror and the queue report on 127.0.0.1, from a fresh copy of the same
#               repository each run. Prints the requests made, the median wall time, and the
#               median CPU time of maintdb itself (user+sys: its own time, not the server's).
#   candidates  `track candidates` on a generated security-tracker JSON of MB megabytes
#               (default 60): median wall time and peak RSS.
#   notify      `track notify --outbox` of DUE tracks (default 1,000) fixed in unstable: the
#               intent commit, composing, writing the Maildir, and the record commit.
# Every figure is the median of RUNS runs (default 5).
# Usage: bench/track.sh   (N=2000 MB=60 WORK=dir)
source "$(dirname "$0")/lib.sh"
n=${N:-2000}
mb=${MB:-60}
cargo build --release -q --example trackbench
tb=$PWD/target/release/examples/trackbench

repo=$work/tracks-$n
if [ ! -d "$repo" ]; then
  git init -q -b main "$repo"
  "$tb" init "$repo" "$n"
  git -C "$repo" add -A && git -C "$repo" commit -q -m "tracks"
  git -C "$repo" config maintdb.login tracker
fi
base=$(git -C "$repo" rev-parse HEAD)

walls=() cpus=()
for _ in $(seq "$runs"); do
  git -C "$repo" reset -q --hard "$base"
  t=$(mktemp)
  "$tb" run "$n" -- /usr/bin/time -f '%e %U %S' -o "$t" "$bin" --repo "$repo" track sync \
    --bts '{bts}' --mirror '{mirror}' --ftp-master '{ftp}' >/dev/null 2>"$work/track-requests.txt"
  read -r e u s <"$t"
  walls+=("$(awk -v e="$e" 'BEGIN{printf "%d", e*1000}')")
  cpus+=("$(awk -v u="$u" -v s="$s" 'BEGIN{printf "%d", (u+s)*1000}')")
  rm -f "$t"
done
echo "sync of $n tracks: $(grep requests "$work/track-requests.txt")"
echo "  $(git -C "$repo" log -1 --format=%s)"
printf 'sync_wall_ms %s\nsync_cpu_ms %s\n' \
  "$(printf '%s\n' "${walls[@]}" | median)" "$(printf '%s\n' "${cpus[@]}" | median)"

json=$work/security-$mb.json
[ -f "$json" ] || "$tb" security "$json" "$mb"
echo "candidates on $(du -m "$json" | cut -f1) MB of JSON:"
cand_ms=$(time_ms "$bin" --repo "$repo" track candidates --security-tracker "$json")
printf 'candidates_ms %s\ncandidates_peak_MB %s\n' "$cand_ms" \
  "$(peak_mb "$bin" --repo "$repo" track candidates --security-tracker "$json")"

due=${DUE:-1000}
nrepo=$work/notify-$due
if [ ! -d "$nrepo" ]; then
  git init -q -b main "$nrepo"
  "$tb" init "$nrepo" "$due" fixed-unstable
  git -C "$nrepo" add -A && git -C "$nrepo" commit -q -m "due tracks"
  git -C "$nrepo" config maintdb.login tracker
fi
nbase=$(git -C "$nrepo" rev-parse HEAD)
notify_all=()
for _ in $(seq "$runs"); do
  git -C "$nrepo" reset -q --hard "$nbase"
  rm -rf "$work/notify-outbox"
  s=$(date +%s%N)
  "$bin" --repo "$nrepo" track notify --outbox "$work/notify-outbox" >"$work/notify-out.txt"
  e=$(date +%s%N)
  notify_all+=($(((e - s) / 1000000)))
done
echo "notify of $due due tracks: $(tail -1 "$work/notify-out.txt"), $(ls "$work/notify-outbox/new" | wc -l) mails in the outbox"
printf 'notify_ms %s\n' "$(printf '%s\n' "${notify_all[@]}" | median)"
