#!/usr/bin/env bash
# Tests .pre-commit-hooks.yaml with `pre-commit try-repo` (pre-commit from PyPI, in a virtual
# environment of its own) in a scratch git project, with BINARY as the `constraint` on PATH:
#
#   scripts/test-pre-commit.sh BINARY
#
# constraint-fmt rewrites a non-canonical expression (the hook fails: it changed a file) and
# then passes; constraint-lint passes on good files, fails with the problem on a broken one,
# takes upper-case suffixes, and leaves other JSON files alone. Exits 1 on any failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
binary=$(realpath "${1:?usage: test-pre-commit.sh BINARY}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check pre-commit
pre_commit=$work/venv/bin/pre-commit
export PRE_COMMIT_HOME=$work/cache
mkdir "$work/bin"
ln -s "$binary" "$work/bin/constraint"
export PATH=$work/bin:$PATH
export NO_COLOR=1

project=$work/project
git init -q "$project"
cd "$project"
git config user.email test@example.invalid
git config user.name test
mkdir rules data
rule() { # FILE SCHEMA ID EXPRESSION [EXTRA]
  printf '{\n  "schema_id": "%s",\n  "expression_version": "2.0",\n  "constraints": [\n' "$2" >"$1"
  printf '    {"id": "%s", "expression": "%s"%s}\n  ]\n}\n' "$3" "$4" "${5:-}" >>"$1"
}
rule rules/good.constraints.json Good positive "amount >= 0"
rule rules/ugly.constraints.json Ugly spacing "amount>=0&&limit>0"
rule rules/LOUD.CONSTRAINTS.JSON Loud loud "amount >= 0"
printf '{ not json' >data/snapshot.json
git add -A

failures=0
passed=0
# expect STATUS PATTERN -- COMMAND...: the command's exit status and a line of its output.
expect() {
  local status=$1 pattern=$2 output actual=0
  shift 3
  output=$("$@" 2>&1) || actual=$?
  if [ "$actual" -eq "$status" ] && grep -Eq -- "$pattern" <<<"$output"; then
    passed=$((passed + 1))
  else
    failures=$((failures + 1))
    echo "FAIL: $* (exit $actual, expected $status and /$pattern/):"
    sed 's/^/  | /' <<<"$output"
  fi
}
try() { "$pre_commit" try-repo "$root" "$@"; }

expect 0 '^constraint lint\.+Passed' -- try constraint-lint --all-files
expect 1 'files were modified by this hook' -- try constraint-fmt --all-files
expect 0 '"amount >= 0 && limit > 0"' -- cat rules/ugly.constraints.json
expect 0 '^constraint fmt\.+Passed' -- try constraint-fmt --all-files
expect 0 '\(no files to check\)Skipped' -- try constraint-lint --files data/snapshot.json

rule rules/broken.constraints.json Broken typo "amount >= 0" ', "severty": "warning"'
rule rules/LOUD.CONSTRAINTS.JSON Loud loud "amount >= "
git add -A
expect 1 'unknown key `severty` in a constraint' -- try constraint-lint --all-files
expect 1 'LOUD\.CONSTRAINTS\.JSON:[0-9]+:[0-9]+: rule loud:' -- \
  try constraint-lint --files rules/LOUD.CONSTRAINTS.JSON
expect 0 '^constraint lint\.+Passed' -- try constraint-lint --files rules/good.constraints.json

echo "pre-commit hooks (pre-commit $("$pre_commit" --version | cut -d' ' -f2)): $passed passed, $failures failed"
[ "$failures" -eq 0 ]
