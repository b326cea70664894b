#!/usr/bin/env bash
# Soaks `maintdb serve` on the generated 100,000-package repository, with the pre-receive hook
# installed: 64 keep-alive connections reading (wrk, 2 threads) while 5 git pushes and 5 admin
# calls a second land, for MINUTES minutes (default 10). Prints, per minute, the read rate and
# p99 latency, the pushes and calls that landed, and the server's RSS; at the end the errors
# (wrk's socket errors and non-2xx answers, refused or failed pushes, admin calls not 200) and
# the RSS growth from the first minute to the last.
# Needs wrk (apt-get install wrk).
# Usage: bench/soak.sh   (WORK=dir, MINUTES=n)
source "$(dirname "$0")/lib.sh"
minutes=${MINUTES:-10}
command -v wrk >/dev/null || {
  echo "bench/soak.sh needs wrk: apt-get install wrk" >&2
  exit 2
}
setup gen100k
repo=$work/soak-100k
rm -rf "$repo" && git clone -q --bare "$work/gen100k" "$repo"
"$bin" hook install "$repo" >/dev/null
pw=$work/htpasswd
cargo build --release -q --example bcrypthash
printf 'u0:%s\n' "$(target/release/examples/bcrypthash secret)" >"$pw"
port=$((20000 + RANDOM % 20000))
base=http://127.0.0.1:$port
"$bin" --repo "$repo" serve --listen 127.0.0.1:$port --htpasswd "$pw" 2>"$work/soak-serve.log" &
pid=$!
out=$work/soak
rm -rf "$out" && mkdir -p "$out"
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null' EXIT
until curl -sf "$base/healthz" >/dev/null; do sleep 0.05; done
rss() { echo $(($(awk '/VmRSS/{print $2}' /proc/$pid/status) / 1024)); }
mapfile -t pkgs < <(git -C "$repo" ls-tree --name-only main maintainers/packages/p/ |
  sed -n '1,200{s|.*/||;s|\.toml$||;p}')

# `retree CLONE COMMIT PATH BLOB`: the root tree of COMMIT with PATH (three directories deep)
# pointing at BLOB, rebuilt with mktree along the path only.
retree() {
  local clone=$1 at=$2 path=$3 id=$4 dir name mode=100644 kind=blob
  while [ -n "$path" ]; do
    dir=${path%/*} name=${path##*/}
    [ "$dir" = "$path" ] && dir=
    id=$({ git -C "$clone" ls-tree "$at:$dir" | grep -vP "\t\Q$name\E$"; printf '%s %s %s\t%s\n' $mode $kind "$id" "$name"; } |
      git -C "$clone" mktree)
    path=$dir mode=040000 kind=tree
  done
  echo "$id"
}

# 5 pushes a second, from 5 pushers pushing once a second each: one-package commits made
# with plumbing in a clone without a checkout, pushed as the admin u0; a push that finds the
# branch moved fetches and makes it again (up to 10 times). Writers take turns on the branch
# (an flock around fetch-commit-push and around each admin call): with ten commits offered a
# second on one fast-forward-only branch, a push that takes longer than the gap between two
# other commits would otherwise never land. What landed per minute is printed.
pusher() {
  local k=$1 clone=$work/soak-pusher-$1 i=0 n path blob tree c s
  rm -rf "$clone" && git clone -q --no-checkout "$repo" "$clone"
  export MAINTDB_PUSHER=u0
  while :; do
    s=$(date +%s%N)
    i=$((i + 1))
    n=${pkgs[$(((i * 5 + k) % ${#pkgs[@]}))]}
    path=maintainers/packages/p/$n.toml
    blob=$(printf 'maintainers = ["u%d"]\n' $((i % 5000 + 1)) | git -C "$clone" hash-object -w --stdin)
    for attempt in $(seq 10); do
      exec 9>"$out/branch.lock"
      flock 9
      git -C "$clone" fetch -q origin main
      tree=$(retree "$clone" FETCH_HEAD "$path" "$blob")
      c=$(git -C "$clone" commit-tree "$tree" -p FETCH_HEAD -m "soak $i: $n")
      if git -C "$clone" push -q origin "$c:refs/heads/main" 2>"$out/push-$k.err"; then
        exec 9>&-
        echo "$(date +%s) ok $attempt" >>"$out/pushes"
        break
      fi
      exec 9>&-
      if grep -q "maintdb: push refused" "$out/push-$k.err"; then
        cp "$out/push-$k.err" "$out/refused-$k-$i.err"
        echo "$(date +%s) refused" >>"$out/pushes"
        break
      elif [ "$attempt" = 10 ]; then
        echo "$(date +%s) failed" >>"$out/pushes"
      fi
    done
    sleep "$(awk -v s="$s" -v now="$(date +%s%N)" 'BEGIN{d=1-(now-s)/1e9; print (d>0?d:0)}')"
  done
}

# 5 admin calls a second by the admin u0: setpackage of a package to one of the first 5000
# people.
caller() {
  local i=0 s code
  while :; do
    s=$(date +%s%N)
    i=$((i + 1))
    code=$(flock "$out/branch.lock" curl -s -o /dev/null -w '%{http_code}' -u u0:secret \
      -d "package=${pkgs[$(((i * 7) % ${#pkgs[@]}))]}" -d "maintainer=u$((i % 5000 + 1))" \
      "$base/admin/setpackage")
    echo "$(date +%s) $code" >>"$out/calls"
    sleep "$(awk -v s="$s" -v now="$(date +%s%N)" 'BEGIN{d=0.2-(now-s)/1e9; print (d>0?d:0)}')"
  done
}

load=()
for k in 1 2 3 4 5; do
  pusher "$k" &
  load+=($!)
done
caller &
load+=($!)
printf '%-7s %12s %10s %8s %8s %8s %9s\n' minute reads/s p99 errors pushes calls rss_mb
first_rss= errors=0
for m in $(seq "$minutes"); do
  pkg=${pkgs[$((m % ${#pkgs[@]}))]}
  wrk -t2 -c64 -d60s --latency "$base/$pkg" >"$out/wrk-$m.txt" 2>&1
  r=$(awk '/Requests\/sec/{print $2}' "$out/wrk-$m.txt")
  p=$(awk '/^ +99%/{print $2}' "$out/wrk-$m.txt")
  e=$(awk '/Socket errors/{gsub(",","");s=$4+$6+$8+$10} /Non-2xx/{n=$5} END{print s+n+0}' "$out/wrk-$m.txt")
  errors=$((errors + e))
  now=$(rss)
  [ -n "$first_rss" ] || first_rss=$now
  pushes=$(awk -v t=$(($(date +%s) - 60)) '$1>=t && $2=="ok"' "$out/pushes" 2>/dev/null | wc -l)
  calls=$(awk -v t=$(($(date +%s) - 60)) '$1>=t && $2=="200"' "$out/calls" 2>/dev/null | wc -l)
  printf '%-7s %12s %10s %8s %8s %8s %9s\n' "$m" "$r" "$p" "$e" "$pushes" "$calls" "$now"
done
kill "${load[@]}" 2>/dev/null
wait "${load[@]}" 2>/dev/null || true
refused=$(grep -c ' refused' "$out/pushes" || true)
gave_up=$(grep -c ' failed' "$out/pushes" || true)
bad_calls=$(awk '$2!="200"' "$out/calls" | wc -l)
retried=$(awk '$2=="ok" && $3>1' "$out/pushes" | wc -l)
last_rss=$(rss)
echo "pushes: $(grep -c ' ok ' "$out/pushes") landed ($retried after the branch moved), $gave_up gave up after 10 moves, $refused refused by the hook"
echo "admin calls: $(awk '$2=="200"' "$out/calls" | wc -l) answered 200, $bad_calls not"
echo "read errors: $errors; errors in all: $((errors + bad_calls + refused))"
echo "rss: $first_rss MB after the first minute, $last_rss MB at the end ($(awk -v a="$first_rss" -v b="$last_rss" 'BEGIN{printf "%+.1f", (b-a)*100/a}') %)"
landed=$(git -C "$repo" rev-list --count main)
echo "commits on main: $landed; check --rev main: $("$bin" --repo "$repo" check --rev main >/dev/null 2>&1 && echo clean || echo NOT clean)"
