# psgate — see README.md. `make test` installs and starts every real component
# the tests need (slapd, Samba AD, Redis, Chromium, python3-winrm) by itself.
GO       ?= go
BIN      := bin/psgate
TESTENV  := deploy/testenv
# Where the test components listen (all loopback); tests read these.
export PSGATE_TEST_SLAPD_URL   ?= ldap://127.0.0.1:3389
export PSGATE_TEST_SLAPD_DIR   ?= /tmp/psgate-testenv/slapd
export PSGATE_TEST_SAMBA_URL   ?= ldap://127.0.0.1:389
export PSGATE_TEST_SAMBA_DIR   ?= /tmp/psgate-testenv/samba
export PSGATE_TEST_REDIS_ADDR  ?= 127.0.0.1:6390
export PSGATE_TEST_CHROMIUM    ?= /usr/lib/chromium/chromium
export PSGATE_TEST_PYTHON      ?= /usr/bin/python3
export NO_PROXY                := 127.0.0.1,localhost
TEST_TIMEOUT ?= 12m

.PHONY: all build run test test-go testenv testenv-down bench bench-scale fuzz vet fmt lint clean

all: build

build:
	$(GO) build -o $(BIN) ./cmd/psgate

## run: the whole product on its embedded default (demo user, rules, WinRM simulator).
run: build
	./$(BIN) demo --listen 127.0.0.1:8443

## test: install and start the real components, then every test with them required.
test: testenv vet
	PSGATE_TEST_REQUIRE=1 $(GO) test -count=1 -timeout $(TEST_TIMEOUT) ./...

## test-go: the Go tests only; tests whose component is not running skip.
test-go:
	$(GO) test -count=1 ./...

testenv:
	bash $(TESTENV)/up.sh

testenv-down:
	bash $(TESTENV)/down.sh

vet:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }

## bench: the benchmarks behind docs/PERFORMANCE.md.
bench: testenv
	$(GO) test -run '^$$' -bench . -benchmem -count=1 -timeout 30m ./...

## bench-scale: DESIGN.md §6's scale target, SCALE console sessions (docs/PERFORMANCE.md "Scale").
SCALE ?= 9900
bench-scale:
	PSGATE_SCALE=$(SCALE) $(GO) test -run '^$$' -bench '^BenchmarkScale$$' -benchtime=1x -timeout 60m ./cmd/psgate/

## fuzz: run every fuzz target for FUZZTIME (default 30s) each.
FUZZTIME ?= 30s
fuzz:
	@for p in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$p 2>/dev/null | grep '^Fuzz'); do \
	    echo "== $$p $$f"; $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$p || exit 1; \
	  done; \
	done

clean:
	rm -rf bin
