#!/usr/bin/env bash
# Model-checks the conservation guard's transition table with spin (docs/GUARD.md, "The model").
#
#   scripts/model-check.sh              writes the Promela model from GuardTable.transition and
#                                       verifies it exhaustively within its bound; exits 0 when
#                                       no property is violated
#   scripts/model-check.sh MUTANT       verifies a deliberately broken table instead; prints the
#                                       verifier's counterexample trail and exits 1 when it is
#                                       rejected for the mutant's property (the expected result),
#                                       2 when it is not
#   scripts/model-check.sh --mutants    every mutant must be rejected, each with a counterexample
#                                       for its own property; exits 0 when they all are
#
# Work files (model, verifier, trails) go to .build/model-check/. Installs spin when missing.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-spin.sh
SWIFT=${SWIFT:-swift}
"$SWIFT" build --product guard-model >/dev/null
generator="$("$SWIFT" build --show-bin-path)/guard-model"
work=.build/model-check

# verify NAME [MUTANT]: writes $work/NAME/{guard.pml,pan.out}; sets $errors, $violated,
# $summary.
verify() {
  local name=$1 mutant=${2:-} dir=$work/$1 started ended
  mkdir -p "$dir"
  rm -f "$dir"/guard.pml "$dir"/guard.pml.trail "$dir"/pan "$dir"/pan.out
  started=$(date +%s.%N)
  "$generator" ${mutant:+--mutant "$mutant"} --output "$dir/guard.pml" 2>"$dir/bound.txt"
  # The production model runs long enough for -O2 to pay; a mutant stops at its first error.
  local optimize=-O2
  [ -n "$mutant" ] && optimize=-O0
  (
    cd "$dir"
    spin -a guard.pml >/dev/null
    cc "$optimize" -DSAFETY -o pan pan.c
    ./pan -m100000 >pan.out 2>&1 || true
  )
  ended=$(date +%s.%N)
  if grep -q "max search depth too small" "$dir/pan.out"; then
    echo "model-check: $name: the search was truncated (raise -m)" >&2
    exit 2
  fi
  errors=$(sed -n 's/.*errors: \([0-9]*\).*/\1/p' "$dir/pan.out")
  violated=$(sed -n 's/.*assertion violated \([a-z0-9_]*\).*/\1/p' "$dir/pan.out" | head -1)
  local states transitions depth seconds
  states=$(sed -n 's/^ *\([0-9]*\) states, stored.*/\1/p' "$dir/pan.out")
  transitions=$(sed -n 's/^ *\([0-9]*\) transitions.*/\1/p' "$dir/pan.out")
  depth=$(sed -n 's/.*depth reached \([0-9]*\).*/\1/p' "$dir/pan.out")
  seconds=$(sed -n 's/^pan: elapsed time \([0-9.e+]*\) seconds/\1/p' "$dir/pan.out")
  summary="$states states, $transitions transitions, depth $depth; verifier ${seconds:-0} s,"
  summary+=" $(awk -v a="$started" -v b="$ended" 'BEGIN { printf "%.1f", b - a }') s in all"
  if [ -z "$errors" ]; then
    echo "model-check: $name: the verifier did not finish:" >&2
    cat "$dir/pan.out" >&2
    exit 2
  fi
}

# trail NAME: writes the counterexample, as the model's own printout (events, states,
# decisions), to $work/NAME/trail.txt.
trail() {
  (cd "$work/$1" && spin -t -T guard.pml) | sed -n '1,/^spin: trail ends/p' >"$work/$1/trail.txt"
}

property_of() {
  "$generator" --list-mutants | awk -v m="$1" '$1 == m { print $2 }'
}

check_mutant() {
  local mutant=$1 property
  property=$(property_of "$mutant")
  if [ -z "$property" ]; then
    echo "model-check: no mutant $mutant; there are:" \
      "$("$generator" --list-mutants | cut -d' ' -f1 | xargs)" >&2
    exit 2
  fi
  verify "mutant-$mutant" "$mutant"
  if [ "$errors" != 0 ] && [[ "$violated" == p${property}_* ]]; then
    trail "mutant-$mutant"
    echo "model-check: mutant $mutant REJECTED as expected: property ($property) violated" \
      "($violated); $summary"
    return 0
  fi
  echo "model-check: mutant $mutant NOT rejected for property ($property):" \
    "errors ${errors}, violated '${violated}'; $summary" >&2
  return 1
}

case "${1:-}" in
  "")
    verify production
    cat "$work/production/bound.txt"
    if [ "$errors" != 0 ]; then
      echo "model-check: FAILED: $violated" >&2
      trail production
      cat "$work/production/trail.txt" >&2
      exit 1
    fi
    echo "model-check: verified, every property holds (exhaustive within the bound): $summary"
    ;;
  --mutants)
    failed=0
    for mutant in $("$generator" --list-mutants | cut -d' ' -f1); do
      check_mutant "$mutant" || failed=1
    done
    [ "$failed" = 0 ] || exit 1
    echo "model-check: every mutant rejected with a counterexample for its property" \
      "(trails in $work/mutant-*/trail.txt)"
    ;;
  *)
    mutant=$1
    if check_mutant "$mutant"; then
      cat "$work/mutant-$mutant/bound.txt"
      echo "model-check: the counterexample ($work/mutant-$mutant/trail.txt):"
      cat "$work/mutant-$mutant/trail.txt"
      exit 1
    fi
    exit 2
    ;;
esac
