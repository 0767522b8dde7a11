# The README quick start is `make check` (the main job on the shipped rules and examples),
# `make test` (the test suite) and `make serve` (the guard as an HTTP service on the shipped
# rules). Everything else here is a convenience.

SWIFT ?= swift
CONSTRAINT = .build/release/constraint

.PHONY: check test test-release build release clean golden deps model-check model-check-mutants serve api-fuzz

## deps: install libpcre2-dev and pkg-config when missing (Debian; root or sudo).
deps:
	@scripts/install-deps.sh

## check: the main job on the shipped rules and example snapshots. The examples deliberately
## violate every rule, so `constraint check` exits 1 there: that is the expected result and the
## target succeeds; any other non-zero status (2: rules or data could not be loaded) fails it.
check: release
	$(CONSTRAINT) fmt --check Rules/
	$(CONSTRAINT) lint Rules/
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

## test-release: every CLI test (the fail-closed fault suite among them) against the release
## constraint, the binary users run: builds it, then runs CLITests with CONSTRAINT_CLI pointing
## at it. `make test` runs the same tests against the debug build.
test-release: release
	$(SWIFT) build --build-tests
	CONSTRAINT_CLI=$(CURDIR)/$(CONSTRAINT) $(SWIFT) test --skip-build --filter CLITests

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
