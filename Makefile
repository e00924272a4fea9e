# crmauth: every target CI runs is reachable from `make check`.
# Nothing here needs more than Go, except where a target says so and installs it.

GO      ?= go
GOFILES  = $(shell git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*')

.PHONY: all generate check-generate lint vet fmt-check spec-check test test-race check

all: check

## generate: regenerate gen/ from openapi.yaml (run after every spec edit, commit both)
generate:
	$(GO) generate ./gen/...

## check-generate: fail when gen/ is not what `make generate` makes from openapi.yaml now
check-generate:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	cp -r gen "$$tmp/gen.before" && \
	$(GO) generate ./gen/... && \
	if ! diff -r "$$tmp/gen.before" gen >"$$tmp/diff"; then \
		cat "$$tmp/diff" | head -40; \
		echo "gen/ is stale: run 'make generate' and commit the result"; \
		cp -r "$$tmp/gen.before/." gen/; exit 1; \
	fi

## fmt-check: fail when a Go file is not gofmt-formatted
fmt-check:
	@out=$$(gofmt -l $(GOFILES)); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

## spec-check: openapi.yaml is valid OpenAPI 3.0.3 and every example matches its schema
spec-check:
	$(GO) test -count=1 -run 'TestSpec|TestEmbeddedSpec|Example|TestEveryOperation|TestErrorCatalogue' ./gen/

## lint: gofmt, go vet, spec validation
lint: fmt-check vet spec-check

## test: the README's test command
test:
	$(GO) test ./...

## test-race: the whole suite under the race detector (needs cgo: gcc)
test-race:
	$(GO) test -race ./...

## check: everything CI runs
check: check-generate lint test
