# crmauth: every target CI runs is reachable from `make check`.
# Nothing here needs more than Go, except where a target says so and installs it.

GO      ?= go
GOFILES  = $(shell git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './node_modules/*')

.PHONY: all generate check-generate lint vet staticcheck fmt-check spec-check test test-race check fuzz
.PHONY: bench bench-load bench-go bench-smoke bench-compare
.PHONY: spec-lint docs breaking release-spec generate-web check-generate-web dist image npm npm-test

all: check

## generate: regenerate gen/ from openapi.yaml and gen/admin/ from api/admin.yaml (run after every spec edit, commit both)
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

## spec-check: openapi.yaml and api/admin.yaml are valid OpenAPI 3.0.3 and every example matches its schema
spec-check:
	$(GO) test -count=1 -run 'TestSpec|TestEmbeddedSpec|Example|TestEveryOperation|TestErrorCatalogue|TestExcluded' ./gen/ ./gen/admin/

## staticcheck: staticcheck's default checks on the whole tree; pinned in go.mod through tools.go, so it needs only Go
staticcheck:
	$(GO) run honnef.co/go/tools/cmd/staticcheck ./...

## lint: gofmt, go vet, staticcheck, spec validation, spec lint
lint: fmt-check vet staticcheck spec-check spec-lint

# The spec's Node tools (Redocly CLI), pinned in package-lock.json; `npm ci` installs them.
# Node >= 20.19 and npm are needed by spec-lint and docs only.
NPM      ?= npm
REDOCLY   = REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true node_modules/.bin/redocly
DOCS_DIR ?= docs-build

# npm ci rewrites node_modules/.package-lock.json: newer than the lock file means installed.
node_modules/.package-lock.json: package.json package-lock.json
	@command -v $(NPM) >/dev/null || { echo "spec-lint and docs need Node.js >= 20.19 and npm"; exit 1; }
	$(NPM) ci --no-audit --no-fund

## spec-lint: Redocly's recommended ruleset (redocly.yaml); fails on any error or warning
SPECS = openapi.yaml api/admin.yaml

spec-lint: node_modules/.package-lock.json
	$(REDOCLY) lint $(SPECS)
	@for spec in $(SPECS); do $(REDOCLY) lint --format=json $$spec 2>/dev/null | node -e 'const t = JSON.parse(require("fs").readFileSync(0, "utf8")).totals; if (t.errors + t.warnings > 0) { console.error(`spec-lint: $${t.errors} errors, $${t.warnings} warnings: fix them, or turn the rule off in redocly.yaml with a reason`); process.exit(1) }' || exit 1; done

## docs: the static API references, self-contained offline HTML files: docs-build/index.html (openapi.yaml), docs-build/admin.html (api/admin.yaml)
docs: node_modules/.package-lock.json
	$(REDOCLY) build-docs openapi.yaml --inlineBundle --template api/redoc.hbs --output $(DOCS_DIR)/index.html
	$(REDOCLY) build-docs api/admin.yaml --inlineBundle --template api/redoc.hbs --output $(DOCS_DIR)/admin.html

## generate-web: regenerate the TypeScript types of openapi.yaml and api/admin.yaml (npm/crmauth/gen/) with
## openapi-typescript (pinned in package.json; needs `npm ci`). Run after every spec edit, commit the result.
## Kept apart from `make generate`, which needs only Go.
OPENAPI_TS = node_modules/.bin/openapi-typescript
WEB_GEN    = npm/crmauth/gen

generate-web: node_modules/.package-lock.json
	$(OPENAPI_TS) openapi.yaml -o $(WEB_GEN)/openapi.d.ts >/dev/null
	$(OPENAPI_TS) api/admin.yaml -o $(WEB_GEN)/admin.d.ts >/dev/null

## check-generate-web: fail when npm/crmauth/gen/ is not what `make generate-web` makes from the specs now
check-generate-web: node_modules/.package-lock.json
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	cp -r $(WEB_GEN) "$$tmp/before" && \
	$(MAKE) -s generate-web && \
	if ! diff -r "$$tmp/before" $(WEB_GEN) >"$$tmp/diff"; then \
		head -40 "$$tmp/diff"; \
		echo "$(WEB_GEN) is stale: run 'make generate-web' and commit the result"; \
		cp -r "$$tmp/before/." $(WEB_GEN)/; exit 1; \
	fi

## npm: the npm packages, packed into dist/npm/ (nothing is published): crmauth-<VERSION>.tgz and
## crmauth-<platform>-<VERSION>.tgz for @crmauth/<platform>, from make dist's binaries (npm/pack.mjs; needs `npm ci`)
npm: dist node_modules/.package-lock.json
	node npm/pack.mjs

## npm-test: the Node suites over dist/npm/ (run make npm first; needs no Go): the launcher, startStub and
## the typed clients, the package's types under tsc --strict, and docs/frontend.md walked to a green Playwright run
npm-test: node_modules/.package-lock.json
	node --test npm/test/*.test.mjs

## breaking: fail when openapi.yaml or api/admin.yaml breaks its last released spec (api/releases/) without a major bump
breaking:
	api/breaking.sh openapi.yaml
	api/breaking.sh api/admin.yaml

## release-spec: record SPEC (default openapi.yaml; or api/admin.yaml) as released, api/releases/<name>-<info.version>.yaml (the new baseline)
SPEC ?= openapi.yaml
release-spec: breaking
	@v=$$(api/breaking.sh --version $(SPEC)) && f=api/releases/$$(basename $(SPEC) .yaml)-$$v.yaml && \
	if [ -e "$$f" ]; then echo "$$f exists: raise info.version (and add its CHANGELOG.md entry) first"; exit 1; fi && \
	cp $(SPEC) "$$f" && echo "released $$v as $$f: commit it with $(SPEC) and CHANGELOG.md"

## test: the README's test command
test:
	$(GO) test ./...

## test-race: the whole suite under the race detector (needs cgo: gcc)
test-race:
	$(GO) test -race ./...

## fuzz: each of FUZZ_TARGETS for FUZZTIME (default 5m) in turn, then the total executions; CI runs FuzzHandler only
# FuzzHandler drives the whole stub (hundreds of executions/s); the others its pure parts
# (token parsing, HTTP Basic, strict JSON, fixtures YAML: thousands/s). All are seeded with the
# bad-input catalogue. `make fuzz FUZZ_TARGETS=FuzzTokenParse FUZZTIME=1m` runs one.
FUZZTIME     ?= 5m
FUZZ_TARGETS ?= FuzzHandler FuzzTokenParse FuzzDecodePlainClaims FuzzParseBasicKey FuzzStrictJSON FuzzFixtures
fuzz:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && total=0 && summary= && \
	for t in $(FUZZ_TARGETS); do \
		echo "== $$t for $(FUZZTIME)"; \
		{ $(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) ./serverimpl/ 2>&1; echo $$? >"$$tmp/rc"; } | tee "$$tmp/log"; \
		[ "$$(cat "$$tmp/rc")" = 0 ] || { echo "fuzz: $$t failed"; exit 1; }; \
		n=$$(sed -n 's/.*execs: \([0-9]*\).*/\1/p' "$$tmp/log" | tail -n 1); n=$${n:-0}; \
		total=$$((total + n)); summary="$$summary$$(printf '\n  %-24s %12d' "$$t" "$$n")"; \
	done && \
	echo "fuzz: executions per target (FUZZTIME=$(FUZZTIME), 0 failures):$$summary" && \
	printf '  %-24s %12d\n' total "$$total"

## dist: the release binaries and archives in dist/ (internal/cmd/dist; docs/releasing.md), reproducibly;
## `make dist PLATFORMS=linux/amd64` builds a subset
PLATFORMS ?=
dist:
	$(GO) run ./internal/cmd/dist -out dist $(if $(PLATFORMS),-platforms "$(PLATFORMS)")

## image: the container image (Containerfile, FROM scratch) with podman, or docker where it has an engine;
## IMAGE names it (default crmauth:<version>, also tagged crmauth:latest)
image:
	scripts/image.sh

## check: everything CI runs
check: check-generate lint breaking docs test

# Benchmarks (issue 7). Figures are printed, never asserted; see docs/performance.md.
BENCH_PKGS  ?= ./serverimpl/... ./clientimpl/...
BENCH_COUNT ?= 1
BENCH_TIME  ?= 1s
BENCHSTAT   ?= golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da

## bench: the load table (a–l on loopback) and the Go benchmarks, in under 3 minutes
bench: bench-load bench-go

## bench-load: requests/s, p50/p99 and ratios to a bare Echo handler (cmd/crmauth-bench)
bench-load:
	$(GO) run ./cmd/crmauth-bench

## bench-go: testing.B benchmarks with -benchmem; `make bench-go BENCH_COUNT=6 > new.txt` for benchstat
bench-go:
	@$(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCH_TIME) -count $(BENCH_COUNT) $(BENCH_PKGS)

## bench-smoke: every scenario and benchmark runs once, briefly; fails only on errors, never on figures
bench-smoke:
	$(GO) run ./cmd/crmauth-bench -smoke -rounds 1 -duration 1s -warmup 200ms
	$(GO) test -short -run '^$$' -bench . -benchtime 1x $(BENCH_PKGS)

## bench-compare: benchstat OLD NEW (files from `make bench-go BENCH_COUNT=6 > FILE`)
bench-compare:
	@test -n "$(OLD)" -a -n "$(NEW)" || { echo "usage: make bench-compare OLD=old.txt NEW=new.txt"; exit 2; }
	$(GO) run $(BENCHSTAT) $(OLD) $(NEW)
