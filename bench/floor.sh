#!/usr/bin/env bash
# Every ratio of the "speed to the floor" table in one run: check --rev against
# `git cat-file --batch-all-objects --batch`, the working-tree check against check --rev,
# the changelog cold against `git log --raw`, the changelog after one more commit against
# cold, a render after a one-package commit against a full render, and the pre-receive hook.
# It runs bench/check.sh, bench/render.sh and bench/hook.sh (each prints its own details)
# and then the table. Usage: bench/floor.sh   (RUNS=n, WORK=dir as for the others)
set -euo pipefail
here=$(dirname "$0")
log=$(mktemp)
trap 'rm -f "$log"' EXIT
bash "$here/check.sh" | tee -a "$log"
bash "$here/render.sh" | tee -a "$log"
bash "$here/hook.sh" | tee -a "$log"

# field KEY: the value of KEY=value in the output.
field() { grep -o "$1=[^ ]*" "$log" | tail -1 | cut -d= -f2; }
# row REPO COLUMN: a column of check.sh's table.
row() { awk -v r="$1" -v c="$2" '$1 == r {print $c}' "$log"; }
echo
printf '| %-38s | %10s | %10s | %8s | %-14s |\n' measure now floor ratio target
printf '|%s|%s|%s|%s|%s|\n' ---------------------------------------- ------------ ------------ ---------- ----------------
for r in gen100k debian; do
  printf '| %-38s | %7s ms | %7s ms | %7s× | %-14s |\n' "check --rev HEAD, $r" "$(row "$r" 3)" "$(row "$r" 2)" "$(row "$r" 5)" "≤ 1.5×"
done
printf '| %-38s | %7s ms | %7s ms | %7s× | %-14s |\n' "check (working tree), gen100k" "$(row gen100k 4)" "$(row gen100k 3)" "$(row gen100k 6)" "≤ 1.3×"
printf '| %-38s | %7s ms | %7s ms | %7s× | %-14s |\n' "check (working tree) vs git status" "$(row gen100k 4)" "$(row gen100k 9)" "$(row gen100k 10)" "(its floor)"
printf '| %-38s | %7s ms | %7s ms | %7s× | %-14s |\n' "changelog cold, 10k commits" "$(field changelog_cold_ms)" "$(field git_log_raw_ms)" "$(field cold_ratio)" "≤ 1.0×"
printf '| %-38s | %7s ms | %10s | %7s%% | %-14s |\n' "changelog after one more commit" "$(field changelog_warm_ms)" "cold" "$(field warm_percent)" "no regression"
printf '| %-38s | %7s ms | %7s ms | %7s%% | %-14s |\n' "render after a one-package commit" "$(field render_one_package_push_ms)" "$(field render_full_same_commit_ms)" "$(field incremental_percent)" "< 5% of full"
printf '| %-38s | %7s ms | %7s ms | %7s%% | %-14s |\n' "hard-link every page (cp -al)" "$(field cp_al_output_ms)" "$(field render_gen100k_ms)" "$(field links_percent_of_render)" "(the old floor)"
printf '| %-38s | %7s ms | %10s | %8s | %-14s |\n' "pre-receive hook, one-file push" "$(field hook_median_ms)" "—" "—" "≤ 15 ms"
