# Snapdash. `make test` is what CI runs; `make run` starts it on the simulator.
.PHONY: run test check quick benches-quick unit fuzz generate static-build deps screenshots e2e load load-quick perf perf-quick bench

run:
	go run ./cmd/snapdash

# Everything CI checks, on a fresh machine too; the Go tests last, so their summary closes the output.
test: deps check static-build quick unit

# The quick bench runs mostly wait on their clocks while the fuzz targets
# fill the cores: side by side, each one's output kept together.
quick:
	@$(MAKE) --no-print-directory -j2 --output-sync=recurse benches-quick fuzz

benches-quick:
	@$(MAKE) --no-print-directory load-quick perf-quick

deps:
	@bash .ci/deps

check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	go mod tidy -diff
	go vet ./...
	go run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...

# Three packages at once on two cores: the browser suite mostly waits on
# its browsers and the simulator's delays, so a third package uses the time.
# The two longest first, so the rest fill the time beside them rather than
# after them.
unit:
	go test -race -count=1 -p 3 -timeout 25m ./e2e/ ./web/ ./...

# Each fuzz target briefly (seed corpus in testdata/fuzz plus f.Add seeds), for a
# number of runs rather than a time: Go 1.26's fuzzing can fail a timed run with a
# bare "context deadline exceeded" when a worker is slow to stop on a busy machine
# (go.dev/issue/75804, fixed in Go 1.27). A crashing input still fails the run.
FUZZRUNS ?= 30000
fuzz:
	@for t in FuzzValidateCreate FuzzParseServerID FuzzLocalPath; do \
		go test -run='^$$' -fuzz="^$$t\$$" -fuzztime=$(FUZZRUNS)x ./handlers/ || exit 1; done
	@for t in FuzzParseErrorBody FuzzListAnswer; do \
		go test -run='^$$' -fuzz="^$$t\$$" -fuzztime=$(FUZZRUNS)x ./vpsapi/ || exit 1; done
	go test -run='^$$' -fuzz='^FuzzParsePoll$$' -fuzztime=$(FUZZRUNS)x ./views/

generate:
	go tool templ generate

# The binary the Dockerfile builds: static, and it starts.
static-build:
	@bash .ci/static-build

# The browser suite alone (headless chromium).
e2e: deps
	go test -count=1 ./e2e/

# Refresh the screenshots the README shows.
screenshots: deps
	SNAPDASH_SCREENSHOTS=$(CURDIR)/docs/screenshots go test -count=1 -run TestScreenshots ./e2e/

# 1,000 sessions, 500 pollers for 60 s on loopback (docs/load.md).
load:
	go run ./cmd/snapdash-bench load

load-quick:
	go run ./cmd/snapdash-bench -quick load

# Throughput against a bare proxy, upstream calls per open page, first-load
# bytes, memory (docs/performance.md). Prints each target as MET or MISS.
perf:
	go run ./cmd/snapdash-bench perf

perf-quick:
	go run ./cmd/snapdash-bench -quick perf

# Render and request benchmarks (ns/op, allocs/op).
bench:
	go test -run '^$$' -bench . -benchmem ./views/ ./web/ ./internal/session/
