# Prog's build. `make` builds bin/prog and warms the Go build cache;
# `make test` runs everything CI runs; `make fuzz` and `make bench` are for
# people (never part of `make test`).

GO          ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME    ?= 3m
GOBIN       := $(shell $(GO) env GOPATH)/bin

.PHONY: all build test deps lint unit race fuzz difftest bench clean

all: build

# Building every package (tests included) and one generated server warms
# the build cache, so later builds, `prog build` and test runs work offline
# and fast (the first build of a server compiles the standard library).
build:
	$(GO) build -o bin/prog ./cmd/prog
	$(GO) test -count=1 -run '^$$' ./... >/dev/null
	bin/prog build testdata/examples/chat.prog -o bin/chat

test: deps lint unit race

# What the tests need beyond Go: Debian's Chromium for the browser tests,
# PostgreSQL for the database suite and nginx for the load-balancer tests,
# installed when missing (as root).
APT := DEBIAN_FRONTEND=noninteractive apt-get install -y -q
deps:
	@$(GO) version
	@command -v chromium >/dev/null || $(APT) chromium || { apt-get update -q && $(APT) chromium; }
	@command -v pg_ctl >/dev/null || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || \
		$(APT) postgresql || { apt-get update -q && $(APT) postgresql; }
	@command -v nginx >/dev/null || ls /usr/sbin/nginx >/dev/null 2>&1 || \
		$(APT) nginx || { apt-get update -q && $(APT) nginx; }
	@chromium --version

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@[ -x "$(GOBIN)/staticcheck" ] || $(GO) install $(STATICCHECK)
	$(GOBIN)/staticcheck ./...

unit:
	$(GO) test -count=1 ./...

# The runtime is concurrent, and so is the parser on large files: their
# tests also run under the race detector.
race:
	$(GO) test -race -count=1 ./runtime/... ./lang/syntax

# Coverage-guided fuzzing of the front end and of the wire protocol, each
# for FUZZTIME (their seeds run in `make test`).
fuzz:
	$(GO) test ./pipeline -run '^$$' -fuzz FuzzLoad -fuzztime $(FUZZTIME)
	$(GO) test ./runtime -run '^$$' -fuzz FuzzProtocol -fuzztime $(FUZZTIME)
	$(GO) test ./runtime -run '^$$' -fuzz FuzzAppendString -fuzztime $(FUZZTIME)
	$(MAKE) difftest DIFFTIME=$(FUZZTIME)

# Benchmarks print figures; they are never run by `make test`.
# progbench runs Prog, the floor and socket.io side by side (socket.io is
# installed from testdata/bench/socketio into a temporary folder), the UI
# operations of testdata/bench/ui (rows.prog and vanilla.html) in Chromium,
# then the compiler's benchmarks; the table and `bench:` lines come last.
bench: build
	$(GO) test ./codegen -run '^$$' -bench Bundle -count 1
	$(GO) test ./codegen -run '^$$' -bench Queries -benchtime 2s -count 1
	$(GO) test ./runtime -run '^$$' -bench InsertCall -benchtime 2s -count 5
	$(GO) test ./runtime -run '^$$' -bench Collect1000 -benchtime 1x -count 5
	$(GO) build -o bin/progbench ./cmd/progbench
	bin/prog build testdata/bench/ui/rows.prog -o bin/rows
	@command -v chromium >/dev/null || $(APT) chromium || { apt-get update -q && $(APT) chromium; }
	@command -v node >/dev/null || $(APT) nodejs npm || { apt-get update -q && $(APT) nodejs npm; }
	dir=$$(mktemp -d) && cp testdata/bench/socketio/package.json testdata/bench/socketio/package-lock.json \
		testdata/bench/socketio/server.js $$dir/ && (cd $$dir && npm ci --no-audit --no-fund --loglevel=error) && \
		bin/progbench -chat bin/chat -socketio $$dir -rows bin/rows -uiruns 11 \
			-systems prog,prog-pg,prog-cluster1,prog-cluster2,prog-cluster3,floor,socketio; rc=$$?; rm -rf $$dir; exit $$rc

clean:
	rm -rf bin

# The differential tester (issue 13) on new seeds for DIFFTIME: random
# programs run on both halves, in the built server and in Chromium. It
# prints how many ran; programs on which the halves disagree are written
# to DIFFOUT. `make test` runs its fixed corpus.
DIFFTIME ?= 5m
DIFFOUT  ?= $(CURDIR)/bin/difftest
difftest:
	$(GO) test ./codegen -run '^TestDifftest$$' -count=1 -timeout 0 -v \
		-difftest.time $(DIFFTIME) -difftest.out $(DIFFOUT) | grep -v '^=== RUN'
