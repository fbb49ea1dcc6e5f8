#!/usr/bin/env bash
# The long fuzz campaign: the same harness and corpus as the test command's short run, for hours.
#   bash tests/fuzz/campaign.sh [MINUTES_PER_TARGET] [TARGET...]      (default 30 minutes, every target)
# Targets run one after another (afl-fuzz takes a core; the other is left to the machine). The work dir is
# tests/fuzz/.work-campaign (FUZZ_WORK overrides); running the script again resumes each target's queue
# where it stopped (FUZZ_FRESH=1 starts from the corpus). Findings stay in WORK/out/TARGET/default/{crashes,hangs};
# the per-target figures are appended to WORK/campaign.log. Exits 1 when any target saved a crash or a hang.
set -uo pipefail
cd "$(dirname "$0")/../.."
minutes="${1:-30}"
shift || true
work="${FUZZ_WORK:-tests/fuzz/.work-campaign}"
mkdir -p "$work"

bash tests/fuzz/build.sh "$work" >/dev/null || exit 2
# bash reads a script as it runs it: run a copy, so edits to run.sh during hours of fuzzing do not reach it.
cp tests/fuzz/run.sh "$work/run.sh"
resume=(-r)
[ "${FUZZ_FRESH:-0}" = 1 ] && resume=()
started=$(date -u +%FT%TZ)
{
  echo "== campaign $started, $minutes min per target, commit $(git rev-parse --short HEAD), afl-fuzz $(afl-fuzz -h 2>&1 | head -1 | sed 's/\x1b\[[0-9;]*m//g' | awk '{print $1}')"
  FUZZ_ROOT="$PWD" bash "$work/run.sh" -s $((minutes * 60)) -w "$work" "${resume[@]}" "$@"
  status=$?
  echo "== ended $(date -u +%FT%TZ), exit $status"
  exit $status
} 2>&1 | tee -a "$work/campaign.log"
exit "${PIPESTATUS[0]}"
