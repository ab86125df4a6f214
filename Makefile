# Prog's build. `make` builds bin/prog and warms the Go build cache;
# `make test` runs everything CI runs; `make fuzz` and `make bench` are for
# people (never part of `make test`).

GO          ?= go
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME    ?= 3m
GOBIN       := $(shell $(GO) env GOPATH)/bin

.PHONY: all build test deps lint unit race fuzz bench clean

all: build

# Building every package (tests included) warms the build cache, so later
# builds and test runs work offline and fast.
build:
	$(GO) build -o bin/prog ./cmd/prog
	$(GO) test -count=1 -run '^$$' ./... >/dev/null

test: deps lint unit race

# What the tests need beyond Go. Nothing yet: the browser and PostgreSQL
# suites arrive with the code generator and runtime, and install their
# packages here (apt-get) when they do.
deps:
	@$(GO) version

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	@[ -x "$(GOBIN)/staticcheck" ] || $(GO) install $(STATICCHECK)
	$(GOBIN)/staticcheck ./...

unit:
	$(GO) test -count=1 ./...

# The runtime is concurrent; its tests always run under the race detector.
race:
	@if [ -n "$$($(GO) list ./runtime/... 2>/dev/null)" ]; then $(GO) test -race -count=1 ./runtime/...; fi

# Coverage-guided fuzzing of the front end (the seeds run in `make test`).
fuzz:
	$(GO) test ./lang -run '^$$' -fuzz FuzzLoad -fuzztime $(FUZZTIME)

# Benchmarks print figures; they are never run by `make test`.
bench:
	$(GO) test ./lang/... -run '^$$' -bench . -benchtime 10x -count 5

clean:
	rm -rf bin
