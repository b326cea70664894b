#!/usr/bin/env bash
# Benchmarks `maintdb serve` on the generated 100,000-package repository:
#   reads      requests per second and p99 latency (wrk, keep-alive, 64 connections, 2 threads,
#              DURATION seconds, default 10) for /<package>, /packages/<p>.txt and a 304 of
#              packages.txt, against nginx serving the files `render` wrote for the same commit
#              (nginx started with the config written below: one worker per core, sendfile,
#              access log off, on 127.0.0.1)
#   freshness  median time from a commit landing on the branch to /healthz naming it
#   writes     50 concurrent setnewpackage calls: wall time, calls per second, p50/p99 latency
#              (the caller's htpasswd entry has the bcrypt cost `htpasswd -B` uses, 5)
#   memory     peak RSS of the server at the end
# Needs wrk and nginx (apt-get install wrk nginx-light).
# Usage: bench/serve.sh   (WORK=dir, DURATION=secs)
source "$(dirname "$0")/lib.sh"
duration=${DURATION:-10}
command -v wrk >/dev/null && command -v nginx >/dev/null || {
  echo "bench/serve.sh needs wrk and nginx: apt-get install wrk nginx-light" >&2
  exit 2
}
setup gen100k
src=$work/gen100k
repo=$work/serve-100k
rm -rf "$repo" && git clone -q --bare "$src" "$repo"
pw=$work/htpasswd
cargo build --release -q --example bcrypthash
printf 'buildsystem:%s\n' "$(target/release/examples/bcrypthash secret)" >"$pw"
port=$((20000 + RANDOM % 20000))
"$bin" --repo "$repo" serve --listen 127.0.0.1:$port --htpasswd "$pw" 2>"$work/serve.log" &
pid=$!
trap 'kill $pid 2>/dev/null; [ -n "${ngx:-}" ] && nginx -c "$ngx" -s stop 2>/dev/null' EXIT
start=$(date +%s%N)
until curl -sf "http://127.0.0.1:$port/healthz" >/dev/null; do sleep 0.05; done
echo "serve: ready in $((($(date +%s%N) - start) / 1000000)) ms, RSS $(($(awk '/VmRSS/{print $2}' /proc/$pid/status) / 1024)) MB"

# nginx over the rendered files of the same commit.
site=$work/serve-site
rm -rf "$site" "$work"/.serve-site.gen-*
"$bin" --repo "$repo" render --out "$site" >/dev/null
nport=$((port + 1))
ngx=$work/nginx.conf
cat >"$ngx" <<NGX
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx.err;
events { worker_connections 1024; }
http {
  access_log off; sendfile on; tcp_nopush on; keepalive_requests 100000;
  types { text/plain txt; text/html html; }
  server { listen 127.0.0.1:$nport; root $(readlink -f "$site"); etag on; }
}
NGX
nginx -c "$ngx"
pkg=$(git -C "$repo" ls-tree --name-only main maintainers/packages/p/ | sed -n 1p | xargs basename | sed 's/\.toml$//')
etag=$(curl -sI "http://127.0.0.1:$port/packages.txt" | awk 'tolower($1)=="etag:"{print $2}' | tr -d '\r')
netag=$(curl -sI "http://127.0.0.1:$nport/packages.txt" | awk 'tolower($1)=="etag:"{print $2}' | tr -d '\r')
rate() { wrk -t2 -c64 -d"${duration}s" --latency "$@" 2>/dev/null | awk '/Requests\/sec/{r=$2} /^ +99%/{p=$2} END{print r, p}'; }
printf '%-32s %12s %10s %12s %10s\n' path serve_rps serve_p99 nginx_rps nginx_p99
for path in "/$pkg" "/packages/$pkg.txt"; do
  npath=$path; [ "$path" = "/$pkg" ] && npath="/packages/$pkg.txt"
  read -r sr sp < <(rate "http://127.0.0.1:$port$path")
  read -r nr np < <(rate "http://127.0.0.1:$nport$npath")
  printf '%-32s %12s %10s %12s %10s\n' "$path" "$sr" "$sp" "$nr" "$np"
done
read -r sr sp < <(rate -H "If-None-Match: $etag" "http://127.0.0.1:$port/packages.txt")
read -r nr np < <(rate -H "If-None-Match: $netag" "http://127.0.0.1:$nport/packages.txt")
printf '%-32s %12s %10s %12s %10s\n' "304 /packages.txt" "$sr" "$sp" "$nr" "$np"

# Freshness: a `git push` of a one-package change returns, then /healthz names the commit.
# The change is made in a clone without a checkout, through a temporary index.
pusher=$work/serve-pusher
rm -rf "$pusher" && git clone -q --no-checkout "$repo" "$pusher"
fresh=()
for i in $(seq "$runs"); do
  git -C "$pusher" fetch -q origin main && git -C "$pusher" reset -q --soft FETCH_HEAD
  path=$(git -C "$pusher" ls-tree -r --name-only HEAD maintainers/packages/p/ | sed -n "$((i + 1))p")
  blob=$(printf 'maintainers = ["u%d"]\n' "$i" | git -C "$pusher" hash-object -w --stdin)
  export GIT_INDEX_FILE=$work/serve-pusher.index
  git -C "$pusher" read-tree HEAD
  git -C "$pusher" update-index --cacheinfo "100644,$blob,$path"
  tree=$(git -C "$pusher" write-tree)
  unset GIT_INDEX_FILE
  c=$(git -C "$pusher" commit-tree "$tree" -p HEAD -m "bench $i: u$i takes $path")
  git -C "$pusher" push -q origin "$c:refs/heads/main"
  s=$(date +%s%N)
  until curl -s "http://127.0.0.1:$port/healthz" | grep -q "$c"; do sleep 0.01; done
  fresh+=($((($(date +%s%N) - s) / 1000000)))
done
echo "freshness_ms $(printf '%s\n' "${fresh[@]}" | median)"

# Writes: 50 concurrent calls.
s=$(date +%s%N)
seq 50 | xargs -P 50 -I{} curl -s -o /dev/null -w '%{time_total}\n' -u buildsystem:secret \
  -d "package=benchnew{}-$RANDOM" -d maintainer=u1 "http://127.0.0.1:$port/admin/setnewpackage" >"$work/writes.txt"
wall=$((($(date +%s%N) - s) / 1000000))
sort -g "$work/writes.txt" | awk -v wall="$wall" '{a[NR]=$1} END {printf "writes: 50 calls in %d ms (%.1f/s), p50 %.0f ms, p99 %.0f ms\n", wall, 50000/wall, a[int(NR*0.5)]*1000, a[NR]*1000}'
echo "landed: $(git -C "$repo" log --oneline -60 main | grep -c 'new package benchnew')"
echo "memory: peak RSS $(($(awk '/VmHWM/{print $2}' /proc/$pid/status) / 1024)) MB"
