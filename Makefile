# qflux – the two commands of the README, and a few more.
#   make demo    set up, build (release) and run the live demo stream on http://127.0.0.1:3001/
#   make test    set up and run every test (what CI runs first)
#   make bench   set up (with the Python baselines: scripts/setup.sh --bench), build and run qflux-bench
#   make bench-compare BASE=rev [RUNS=2] [ARGS="--quick decode"]   before/after table, alternating runs
#   make format / format-check   apply / check the .swift-format layout (CI checks it first)
#   make reliability   short fuzzing pass, sanitizer runs and a 2-minute soak (CI runs it after
#                      make test; see docs/reliability.md)
SWIFT ?= swift

.PHONY: format format-check setup setup-test setup-bench build release demo test bench bench-quick bench-compare fuzz fuzz-ci sanitize soak soak-long reliability clean

setup:
	@scripts/setup.sh

setup-test:
	@scripts/setup.sh --test

setup-bench:
	@scripts/setup.sh --bench

build: setup
	$(SWIFT) build

# The release binaries carry the Swift runtime and Foundation inside (--static-swift-stdlib): a
# qflux command starts in ~20 ms instead of ~32 ms (no dynamic linking of the Swift libraries),
# which is most of a short export or replay. They are larger (~85 MB); the C libraries stay shared.
release: setup
	$(SWIFT) build -c release --static-swift-stdlib

demo: release
	@scripts/demo.sh

test: setup-test
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

bench: release setup-bench
	.build/release/qflux-bench

bench-quick: release setup-bench
	.build/release/qflux-bench --quick

RUNS ?= 2
bench-compare: setup-bench
	@test -n "$(BASE)" || { echo "make bench-compare: set BASE=<git revision>" >&2; exit 2; }
	scripts/bench-compare.sh $(BASE) $(RUNS) $(ARGS)

fuzz: setup
	scripts/fuzz.sh 60

fuzz-ci: setup-test
	scripts/fuzz.sh 30

sanitize: setup-test
	scripts/sanitize.sh

soak: setup-test
	SOAK_CONFIG=$${SOAK_CONFIG:-debug} scripts/soak.sh 2

soak-long: setup-test
	scripts/soak.sh 30

reliability: fuzz-ci sanitize soak

# The layout of .swift-format over every Swift file of the package (CONTRIBUTING.md).
FORMAT_PATHS = Package.swift Sources Tests fuzz/swift
format:
	$(SWIFT) format format --in-place --parallel --recursive --configuration .swift-format $(FORMAT_PATHS)

format-check:
	$(SWIFT) format lint --strict --parallel --recursive --configuration .swift-format $(FORMAT_PATHS)

clean:
	rm -rf .build .build-*
