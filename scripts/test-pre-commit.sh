#!/usr/bin/env bash
# Tests .pre-commit-hooks.yaml with `pre-commit try-repo` (pre-commit from PyPI, in a virtual
# environment of its own) in a scratch git project, with BINARY as the `constraint` on PATH:
#
#   scripts/test-pre-commit.sh BINARY
#
# constraint-fmt rewrites a non-canonical expression (the hook fails: it changed a file) and
# then passes; constraint-lint passes on good files, fails naming the problems of broken ones,
# takes upper-case suffixes, and is never given other JSON files. Exits 1 on any failure.
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
output=
# run STATUS -- COMMAND...: runs the command, keeps its output in $output, checks its status.
run() {
  local status=$1 actual=0
  shift 2
  output=$("$@" 2>&1) || actual=$?
  if [ "$actual" -eq "$status" ]; then
    passed=$((passed + 1))
  else
    failures=$((failures + 1))
    echo "FAIL: $* exited $actual, expected $status:"
    sed 's/^/  | /' <<<"$output"
  fi
}
# expect [-v] PATTERN: the last command's output has (with -v: has not) a line matching it.
expect() {
  local negate=0
  [ "$1" = -v ] && negate=1 && shift
  if grep -Eq -- "$1" <<<"$output"; [ $? -eq $negate ]; then
    passed=$((passed + 1))
  else
    failures=$((failures + 1))
    echo "FAIL: output $([ $negate -eq 1 ] && echo has || echo lacks) /$1/:"
    sed 's/^/  | /' <<<"$output"
  fi
}
# Each try-repo clones this repository afresh (about 6 s): the runs below are few on purpose.
try() { "$pre_commit" try-repo "$root" "$@"; }

# Both hooks on the whole project: lint passes; fmt rewrites the one non-canonical expression
# (the hook fails: it changed a file) and leaves the rest, the upper-case suffix included.
run 1 -- try --all-files
expect '^constraint fmt\.+Failed'
expect 'files were modified by this hook'
expect '^constraint lint\.+Passed'
expect -v 'snapshot\.json'
run 0 -- grep -q '"expression": "amount >= 0 && limit > 0"' rules/ugly.constraints.json
run 0 -- git diff --quiet -- rules/good.constraints.json rules/LOUD.CONSTRAINTS.JSON
git add -A

# Canonical now: both pass.
run 0 -- try --all-files
expect '^constraint fmt\.+Passed'
expect '^constraint lint\.+Passed'

# A misspelt key and a broken expression (in the upper-case file): lint fails and names both;
# the JSON file that is no rule file is not passed to it.
rule rules/broken.constraints.json Broken typo "amount >= 0" ', "severty": "warning"'
rule rules/LOUD.CONSTRAINTS.JSON Loud loud "amount >= "
git add -A
run 1 -- try constraint-lint --all-files
expect '^constraint lint\.+Failed'
expect 'broken\.constraints\.json:[0-9]+:[0-9]+: rule typo: unknown key `severty`'
expect 'LOUD\.CONSTRAINTS\.JSON:[0-9]+:[0-9]+: rule loud:'
expect -v 'snapshot\.json'

version=$("$pre_commit" --version | cut -d' ' -f2)
echo "pre-commit hooks (pre-commit $version): $passed passed, $failures failed"
[ "$failures" -eq 0 ]
