#!/usr/bin/env bash
# Benchmarks the pre-receive hook on a push that changes one package file of the generated
# 100,000-package repository, against a full `maintdb check --rev` of the same repository.
# The hook is run as git runs it (in the bare repository, ref updates on standard input) with
# the pushed commit present but not yet referenced. Medians of RUNS runs (default 11).
# Usage: bench/hook.sh   (WORK=dir as for bench/check.sh)
RUNS=${RUNS:-11}
source "$(dirname "$0")/lib.sh"

setup gen100k
bare=$work/gen100k.git
[ -d "$bare" ] || git clone -q --bare "$work/gen100k" "$bare"
old=$(git -C "$bare" rev-parse main)
# node-pkg5 is maintained by u35 (see examples/genrepo.rs); u35 adds u36 as co-maintainer.
path=maintainers/packages/n/node-pkg5.toml
blob=$(printf 'maintainers = ["u35", "u36"]\n' | git -C "$bare" hash-object -w --stdin)
export GIT_INDEX_FILE=$work/hook-bench.index
git -C "$bare" read-tree "$old"
git -C "$bare" update-index --cacheinfo "100644,$blob,$path"
tree=$(git -C "$bare" write-tree)
unset GIT_INDEX_FILE
new=$(GIT_AUTHOR_NAME=u35 GIT_AUTHOR_EMAIL=u35@example.org git -C "$bare" commit-tree "$tree" -p "$old" -m "u35 adds u36 to node-pkg5")
input="$old $new refs/heads/main"

hook() { (cd "$bare" && echo "$input" | MAINTDB_PUSHER=u35 "$bin" hook pre-receive); }
hook && echo "the hook accepts the push"
hook_us=$(time_us hook)
full_ms=$(time_ms "$bin" --repo "$bare" check --rev "$new")
echo "hook_median_ms=$(awk "BEGIN{printf \"%.1f\", $hook_us/1000}") full_check_rev_median_ms=$full_ms ratio_percent=$(awk "BEGIN{printf \"%.2f\", $hook_us/10/$full_ms}")"
