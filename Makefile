# The README quick start is `make check` (the main job on the shipped rules and examples),
# `make test` (the test suite) and `make serve` (the guard as an HTTP service on the shipped
# rules). Everything else here is a convenience.

SWIFT ?= swift
CONSTRAINT = .build/release/constraint

.PHONY: check main-job main-job-dist test test-portable test-release build release clean golden deps model-check model-check-mutants serve api-fuzz

## deps: install libpcre2-dev and pkg-config when missing (Debian; root or sudo).
deps:
	@scripts/install-deps.sh

## check: the main job on the shipped rules and example snapshots: formatting, lint, the rules'
## own test cases (Rules/*.constraints.tests.jsonl, exit 0), then check. The examples deliberately
## violate every rule, so `constraint check` exits 1 there: that is the expected result and the
## target succeeds; any other non-zero status (2: rules or data could not be loaded) fails it.
check: release
	@$(MAKE) --no-print-directory main-job

## main-job: `make check` without the build, on CONSTRAINT (CI runs it on the tarball's binary:
## the quick start's main job, on the binary users download).
main-job:
	$(CONSTRAINT) fmt --check Rules/
	$(CONSTRAINT) lint Rules/
	$(CONSTRAINT) test --require-coverage Rules/
	@status=0; $(CONSTRAINT) check Rules/ --data Examples/snapshots/ || status=$$?; \
	if [ $$status -eq 1 ]; then \
	  echo "make check: exit status 1 as expected (Examples/snapshots/ holds deliberate violations)"; \
	elif [ $$status -eq 0 ]; then \
	  echo "make check: FAILED: the deliberate violations in Examples/snapshots/ were not found"; \
	  exit 1; \
	else \
	  echo "make check: FAILED: constraint check exited $$status"; exit $$status; \
	fi

## test: build and run the whole test suite (debug build).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

## test-portable: the whole test suite with every standard-library layout assumption compiled
## out (-D CONSTRAINT_PORTABLE_LAYOUT; Sources/ConstraintEngine/Runtime/StandardLibraryLayout.swift,
## docs/SECURITY.md): the same results on portable code. Its own build directory, .build-portable.
PORTABLE_FLAGS = --scratch-path .build-portable -Xswiftc -DCONSTRAINT_PORTABLE_LAYOUT
test-portable: deps
	$(SWIFT) build --build-tests $(PORTABLE_FLAGS)
	$(SWIFT) test --skip-build $(PORTABLE_FLAGS)

## test-release: every CLI test (the fail-closed fault suite among them) against the release
## constraint, the binary users run: builds it, then runs CLITests with CONSTRAINT_CLI pointing
## at it. `make test` runs the same tests against the debug build. RELEASE_CLI=PATH tests that
## binary instead of building one (CI passes the static binary of `make dist`, the one users
## download, so one release build serves both).
test-release: $(if $(RELEASE_CLI),,release)
	$(SWIFT) build --build-tests
	CONSTRAINT_CLI=$(abspath $(or $(RELEASE_CLI),$(CONSTRAINT))) \
	  $(SWIFT) test --skip-build --filter CLITests

## golden: rewrite the CLI golden files (Tests/CLITests/Golden/) from the current output.
golden:
	$(SWIFT) build --build-tests
	UPDATE_GOLDEN=1 $(SWIFT) test --skip-build --filter CheckGoldenTests

## model-check: write the Promela model of the guard's transition table (GuardTable) and verify it
## exhaustively with spin (installed when missing); prints the bound and the state count.
## MUTANT=name verifies a deliberately broken table instead and prints the counterexample
## (exit 1: rejected, as it must be). See docs/GUARD.md, "The model".
model-check: deps
	@SWIFT=$(SWIFT) scripts/model-check.sh $(MUTANT)

## model-check-mutants: every mutant must be rejected with a counterexample for its property.
model-check-mutants: deps
	@SWIFT=$(SWIFT) scripts/model-check.sh --mutants

## serve: the guard as an HTTP service on the shipped rules, 127.0.0.1:8321 (Ctrl-C stops it).
serve: deps
	$(SWIFT) build -c release --product constraint-server
	.build/release/constraint-server --rules Rules/

## api-fuzz: schemathesis checks docs/openapi.yaml against the running server (debug build).
api-fuzz: deps
	$(SWIFT) build --product constraint-server
	scripts/api-fuzz.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release --product constraint

clean:
	rm -rf .build

# --- Release tarball, JSON Schema, pre-commit hooks (README, "Install"; docs/CLI.md) ---------
.PHONY: dist test-release-dist test-dist test-schema test-pre-commit test-action test-sarif \
	test-spark
VERSION = $(shell scripts/version.sh)
## DIST_CLI: the binary inside the tarball, as shipped (stripped of debug information).
DIST_CLI = .build-dist/stage/constraint-$(VERSION)-linux-x86_64/constraint
## ADOPTION_CLI: the constraint that test-schema and test-pre-commit run.
ADOPTION_CLI ?= $(DIST_CLI)

## dist: the self-contained Linux x86_64 release, dist/constraint-VERSION-linux-x86_64.tar.gz
## and its .sha256 (scripts/dist.sh): the Swift runtime, Foundation, PCRE2 and libstdc++ linked
## in, built in .build-dist so that the normal, dynamic build is untouched.
dist: deps
	@SWIFT=$(SWIFT) scripts/dist.sh

## test-release-dist: test-release against the binary in the tarball (CI runs this: one
## release build, the static one users download, serves the CLI tests and the tarball).
test-release-dist: dist
	@$(MAKE) --no-print-directory test-release RELEASE_CLI=$(DIST_CLI)

## main-job-dist: the main job (make check) on the tarball's binary, once make dist has run.
main-job-dist:
	@$(MAKE) --no-print-directory main-job CONSTRAINT=$(DIST_CLI)

## test-dist: the tarball verifies, names one version, needs only the C library, and runs with
## an empty environment and in a minimal root (scripts/test-dist.sh).
test-dist: dist
	@scripts/test-dist.sh

## test-schema: schema/constraints.schema.json agrees with the loader (ADOPTION_CLI) on every
## rule file in the repository, the cases in schema/tests/ and generated variants.
test-schema:
	@python3 -c 'import jsonschema' 2>/dev/null || python3 -m pip install -q 'jsonschema>=4.18'
	python3 scripts/check-schema.py $(ADOPTION_CLI)

## test-pre-commit: the hooks of .pre-commit-hooks.yaml through `pre-commit try-repo`, with
## ADOPTION_CLI as the constraint on PATH (pre-commit from PyPI, in a scratch virtualenv).
test-pre-commit:
	scripts/test-pre-commit.sh $(ADOPTION_CLI)

## test-action: the GitHub Action (action.yml, scripts/action/) in a simulated runner: run.py on
## the examples (annotations parsed back, each JSONL line re-checked alone), install.sh on the
## tarball (pinned and published checksums, every refusal), the composite steps end to end.
test-action: dist
	@python3 -c 'import yaml' 2>/dev/null || python3 -m pip install -q pyyaml
	python3 scripts/action/test_action.py $(ADOPTION_CLI) dist/constraint-$(VERSION)-linux-x86_64.tar.gz

## test-spark: the Spark integration (Integrations/spark/, docs/SCALE.md) on Spark local[2] with
## the static binary of the tarball, against `constraint check --format jsonl` on the same input
## (scripts/spark-test.sh: Java 17 from Debian when missing, pinned pyspark in .build-spark/).
test-spark: dist
	scripts/spark-test.sh $(DIST_CLI)

## test-sarif: check --format sarif and lint --format sarif validate against the published SARIF
## 2.1.0 schema (not vendored: downloaded once into .build-schemas/ at a pinned commit and
## SHA-256, or SARIF_SCHEMA=PATH) and agree with the JSON format (scripts/check-sarif.py).
test-sarif:
	@python3 -c 'import jsonschema' 2>/dev/null || python3 -m pip install -q 'jsonschema>=4.18'
	python3 scripts/check-sarif.py $(ADOPTION_CLI)
