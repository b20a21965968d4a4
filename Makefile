# Snapdash. `make test` is what CI runs; `make run` starts it on the simulator.
.PHONY: run test check unit generate static-build deps screenshots e2e

run:
	go run ./cmd/snapdash

# Everything CI checks, on a fresh machine too.
test: deps check unit static-build

deps:
	@bash .ci/deps

check:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { echo "gofmt needed:"; gofmt -l $$(git ls-files '*.go'); exit 1; }
	go vet ./...

unit:
	go test -race -count=1 ./...

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
