#!/usr/bin/env bash
# Mutation testing of the engine's rules (cargo-mutants, settings in
# .cargo/mutants.toml). Not part of CI: run it after changing a rule module
# or its tests, scoped to the file you touched:
#
#   scripts/mutants.sh -f src/engine/selection.rs
#
# Every surviving ("missed") mutant is a rule no test pins: add a test that
# fails for it, or list it as equivalent in .cargo/mutants.toml with the
# reason. Results: mutants.out/ (missed.txt, caught.txt, unviable.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! cargo mutants --version >/dev/null 2>&1; then
  echo "installing cargo-mutants (once)..." >&2
  cargo install --locked cargo-mutants
fi
# The rule modules (DESIGN.md: CodeDeploy rules live in the engine), unless
# the command line names files.
rules=(src/engine/configs.rs src/engine/selection.rs src/engine/lifecycle.rs
  src/engine/shift/traffic.rs src/engine/shift/waits.rs src/engine/deployment.rs
  src/engine/inplace.rs src/engine/host_events.rs src/engine/bluegreen/*.rs
  src/engine/auto_rollback.rs)
files=()
case " $* " in
  *" -f "*|*" --file "*|*" --file="*) ;;
  *) for f in "${rules[@]}"; do files+=(-f "$f"); done ;;
esac
# A mutant a property test catches must not spend half a minute shrinking
# the failing case, nor record it in tests/*.proptest-regressions.
export PROPTEST_MAX_SHRINK_ITERS=0 PROPTEST_DISABLE_FAILURE_PERSISTENCE=1
start=$(date +%s)
status=0
cargo mutants --no-shuffle "${files[@]}" "$@" || status=$?
elapsed=$(( $(date +%s) - start ))
for kind in caught missed unviable timeout; do
  f="mutants.out/$kind.txt"
  printf '%-9s %s\n' "$kind" "$( [ -f "$f" ] && wc -l < "$f" || echo 0)"
done
echo "wall time: ${elapsed} s"
# cargo-mutants exits 2 when mutants were missed, 3 on timeouts.
exit "$status"
