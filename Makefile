# Everyday commands. `make test` is exactly the README's test command.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
IMAGE   ?= elastic-access-mcp

.PHONY: build test e2e-deps e2e bench bench-go bench-process snapshots lint docker clean

build: ## the release binary in bin/ (same flags as the Dockerfile)
	VERSION=$(VERSION) OUT=bin/elastic-access-mcp scripts/build.sh

test: ## the whole suite, end-to-end tests included (they run npm ci in e2e/ when needed)
	go test -race ./...

e2e-deps: ## the MCP TypeScript SDK for the end-to-end tests, as pinned in e2e/package-lock.json
	npm ci --prefix e2e --no-audit --no-fund

e2e: e2e-deps ## only the end-to-end tests (built binary + TypeScript SDK client)
	go test -count=1 -v -run TestNodeSDKEndToEnd ./e2e/

bench: bench-go bench-process ## every benchmark; see bench/README.md

bench-go: ## in-process figures (go test -bench)
	go test -run=^$$ -bench=. -benchmem ./server/

bench-process: ## whole-process figures: cold start, latency over stdio/HTTP, throughput, peak memory
	go run ./bench

snapshots: ## rewrite the tools/list golden files after an intended change
	UPDATE_SNAPSHOTS=1 go test ./server/ -run Snapshot

STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2

lint: ## gofmt, go vet and staticcheck (fetched through the Go module proxy, pinned)
	test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)
	go vet ./...
	go run $(STATICCHECK) ./...

docker: ## the container image (needs a Docker engine)
	docker build --build-arg VERSION=$(VERSION) -t $(IMAGE):$(VERSION) .

clean:
	rm -rf bin dist
