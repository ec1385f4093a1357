# Token Desk. `make run` opens the window; `make test` runs everything.
# Both install what is missing (Debian/Ubuntu packages via apt-get, Go
# modules via the module proxy) on the first run.

GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
TAGS      := migrated_fynedo,no_emoji
LDFLAGS   := -X main.version=$(VERSION)
HYDRA     := .cache/bin/hydra
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: all
all: build

.PHONY: deps
deps:
	@scripts/deps run

.PHONY: build
build: deps
	$(GO) build -tags $(TAGS) -ldflags "$(LDFLAGS)" -o tokendesk .
	$(GO) build -tags $(TAGS) -ldflags "$(LDFLAGS)" -o tokendesk-gui ./cmd/tokendesk-gui

.PHONY: run
run: build
	./tokendesk-gui

# The real OAuth2 server the integration tests fetch tokens from.
$(HYDRA): tools/hydra/go.mod tools/hydra/go.sum
	cd tools/hydra && $(GO) build -tags sqlite,sqlite_omit_load_extension -o ../../$(HYDRA) github.com/ory/hydra/v2

.PHONY: hydra
hydra: $(HYDRA)

# panva's oidc-provider (npm), the client_secret_jwt server of the tests.
OIDC_PROVIDER := tools/oidc-provider/node_modules/.package-lock.json
$(OIDC_PROVIDER): tools/oidc-provider/package.json tools/oidc-provider/package-lock.json
	cd tools/oidc-provider && npm ci --no-audit --no-fund --loglevel=error

.PHONY: oidc-provider
oidc-provider: $(OIDC_PROVIDER)

.PHONY: lint
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags $(TAGS) ./...
	$(GO) run $(STATICCHECK) -tags $(TAGS) ./...

# Unit tests, then integration tests against Hydra, oidc-provider and a real
# gnome-keyring (on a private D-Bus session), and the window under Xvfb; all
# with -race.
.PHONY: test
test:
	@scripts/deps test
	$(MAKE) --no-print-directory hydra oidc-provider lint
	TOKENDESK_INTEGRATION=1 TOKENDESK_HYDRA=$(CURDIR)/$(HYDRA) LANG=C.UTF-8 \
		scripts/with-keyring $(GO) test -race -count=1 -tags $(TAGS) ./...

# A Linux desktop package: the window with its .desktop entry and icon, and
# the CLI; unpack it and run `make install` (or `make user-install`) inside.
.PHONY: package
package: deps
	scripts/package-linux $(VERSION)

# Speed, memory and scale beside their reference points (curl, a minimal Fyne
# window); `make bench RESULTS=1` also writes bench/RESULTS.md.
BENCH_BIN := .cache/bench
.PHONY: bench
bench:
	@scripts/deps bench
	mkdir -p $(BENCH_BIN)
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BENCH_BIN)/tokendesk .
	$(GO) build -tags $(TAGS) -trimpath -o $(BENCH_BIN)/tokendesk-gui ./cmd/tokendesk-gui
	$(GO) build -tags $(TAGS) -trimpath -o $(BENCH_BIN)/hello ./bench/hello
	LANG=C.UTF-8 scripts/with-keyring $(GO) run ./bench/run -bin $(BENCH_BIN) $(if $(RESULTS),-o bench/RESULTS.md) $(BENCH_FLAGS)

# Each fuzz target for a bounded time (FUZZTIME, default 30s); failures land
# in testdata/fuzz and become regression tests.
FUZZTIME ?= 30s
.PHONY: fuzz
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzTokenResponse$$' -fuzztime $(FUZZTIME) ./auth
	$(GO) test -run '^$$' -fuzz '^FuzzCurlQuoting$$' -fuzztime $(FUZZTIME) ./auth
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME) ./storage

.PHONY: clean
clean:
	rm -rf tokendesk tokendesk-gui .cache dist tools/oidc-provider/node_modules
