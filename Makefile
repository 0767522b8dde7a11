# The README quick start is `make check` (the main job on the shipped rules and examples) and
# `make test` (the test suite). Everything else here is a convenience.

SWIFT ?= swift
CONSTRAINT = .build/release/constraint

.PHONY: check test build release clean

## check: the main job on the shipped rules and example snapshots.
check: release
	$(CONSTRAINT) fmt --check Rules/

## test: build and run the whole test suite (debug build).
test:
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

build:
	$(SWIFT) build

release:
	$(SWIFT) build -c release --product constraint

clean:
	rm -rf .build
