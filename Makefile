# Token Desk. `make run` opens the window; `make test` runs everything.
# Both install what is missing (Debian/Ubuntu packages via apt-get, Go
# modules via the module proxy) on the first run.

GO        ?= go
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
FYNE_VERSION := $(shell $(GO) list -m -f '{{.Version}}' fyne.io/fyne/v2 2>/dev/null)
TAGS      := migrated_fynedo,no_emoji
VERSIONPKG := github.com/tokendesk/tokendesk/internal/version
LDFLAGS   := -X $(VERSIONPKG).Version=$(VERSION) -X $(VERSIONPKG).Fyne=$(FYNE_VERSION)
HYDRA     := .cache/bin/hydra
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2

.PHONY: all
all: build

.PHONY: deps
deps:
	@scripts/deps run

.PHONY: build
build: deps
	CGO_ENABLED=0 $(GO) build -ldflags "$(LDFLAGS)" -o tokendesk ./cmd/tokendesk
	$(GO) build -tags $(TAGS) -ldflags "$(LDFLAGS)" -o tokendesk-gui .

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

PORTABLE := ./cmd/... ./model/... ./keys/... ./auth/... ./session/... ./format/... ./core/... ./proxy/... ./secretref/... ./cli/... ./storage/... ./importer/... ./internal/...
.PHONY: lint
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet -tags $(TAGS) ./...
	$(GO) run $(STATICCHECK) -tags $(TAGS) ./...
	@# The other platforms, as far as they build here without their C
	@# toolchains (Fyne's drivers need cgo; on macOS its internals do too).
	GOOS=windows CGO_ENABLED=0 $(GO) vet -tags $(TAGS) $(PORTABLE) ./ui/...
	GOOS=darwin CGO_ENABLED=0 $(GO) vet -tags $(TAGS) $(PORTABLE)

# Unit tests, then integration tests against Hydra, oidc-provider and a real
# gnome-keyring (on a private D-Bus session), and the window under Xvfb; all
# with -race. The integration tests build the binaries themselves (with
# -race: minutes on a cold cache), so the timeout is above go test's 10 min.
# The tests that kill, restart or lock the one gnome-keyring of the run
# would pull it from under other packages' tests running beside them (go
# test runs packages in parallel; a keychain call then D-Bus-activates a
# bare keyring and fails). They run last, one package at a time. The
# integration tests run on their own before them, with a gnome-keyring of
# their own: nothing else's load or keyring traffic beside them (a keyring
# that vanished under them once failed a CI run).
KEYRING_SHARED := ^(TestSecretServiceSurvivesRestart|TestSecretServiceLockedCache|TestCoreSurvivesKeyringRestart|TestCoreLockedWhileCaching)$$
TEST_ENV := TOKENDESK_INTEGRATION=1 TOKENDESK_HYDRA=$(CURDIR)/$(HYDRA) LANG=C.UTF-8
.PHONY: test
test:
	@scripts/deps test
	$(MAKE) --no-print-directory hydra oidc-provider lint
	$(TEST_ENV) scripts/with-keyring $(GO) test -race -count=1 -timeout 30m -tags $(TAGS) -skip "$(KEYRING_SHARED)" \
		$$($(GO) list -tags $(TAGS) ./... | grep -v '/integration$$')
	$(TEST_ENV) scripts/with-keyring $(GO) test -race -count=1 -timeout 45m -tags $(TAGS) -skip "$(KEYRING_SHARED)" ./integration
	$(TEST_ENV) WITH_KEYRING_RESTARTS=1 scripts/with-keyring $(GO) test -race -count=1 -timeout 20m -tags $(TAGS) -p 1 -run "$(KEYRING_SHARED)" ./storage ./integration

# The Linux desktop package: stripped binaries, desktop entry, icons,
# AppStream metainfo, manual pages and completions, with a Makefile that
# installs them (`make install` or `make user-install` inside).
PKG := dist/tokendesk-$(VERSION)-linux-amd64.tar.xz
.PHONY: package
package:
	@scripts/deps package
	scripts/package-linux $(VERSION) "$(LDFLAGS)"

# Installs the package into a scratch prefix and checks what a desktop and a
# shell look for (CI runs this).
.PHONY: check-package
check-package: package
	scripts/check-package $(PKG)

# Windows (amd64), cross-built with MinGW-w64: the CLI without cgo, the
# window with it; both with icon, version information and manifest
# (tools/winres), inspected (tools/checkexe), and the CLI run under Wine
# (scripts/wine-smoke). CI builds this on every run.
WINDIR := dist/windows
WINRES := cd tools/winres && $(GO) run . -icon ../../Icon.png -version $(VERSION)
.PHONY: windows
windows:
	@scripts/deps windows
	$(WINRES) -name tokendesk -description "Token Desk (command line)" -o ../../cmd/tokendesk/rsrc_windows_amd64.syso
	$(WINRES) -name tokendesk-gui -description "Token Desk" -o ../../rsrc_windows_amd64.syso
	CGO_ENABLED=0 GOOS=windows GOARCH=amd64 $(GO) build -trimpath -ldflags "$(LDFLAGS) -s -w" -o $(WINDIR)/tokendesk.exe ./cmd/tokendesk
	CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc \
		$(GO) build -trimpath -tags $(TAGS) -ldflags "$(LDFLAGS) -s -w -H windowsgui" -o $(WINDIR)/tokendesk-gui.exe .
	$(GO) run ./tools/checkexe -version $(VERSION) $(WINDIR)/tokendesk.exe $(WINDIR)/tokendesk-gui.exe
	scripts/wine-smoke $(WINDIR)/tokendesk.exe $(VERSION)

# Release builds for linux/amd64 (tarball and .deb) and windows/amd64 (zip),
# into dist/release with their SHA-256 sums.
.PHONY: release
release: check-package windows
	@scripts/deps release
	rm -rf dist/release && mkdir -p dist/release
	cp $(PKG) dist/tokendesk_*_amd64.deb dist/release/
	cd $(WINDIR) && cp ../../README.md . && zip -q -9 ../release/tokendesk-$(VERSION)-windows-amd64.zip tokendesk.exe tokendesk-gui.exe README.md
	cd dist/release && sha256sum * > SHA256SUMS
	@ls -l dist/release

# Speed, memory and scale beside their reference points (curl, a minimal Fyne
# window); `make bench RESULTS=1` also writes bench/RESULTS.md.
BENCH_BIN := .cache/bench
.PHONY: bench
bench:
	@scripts/deps bench
	mkdir -p $(BENCH_BIN)
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BENCH_BIN)/tokendesk ./cmd/tokendesk
	$(GO) build -tags $(TAGS),probe -trimpath -o $(BENCH_BIN)/tokendesk-gui .
	$(GO) build -tags $(TAGS) -trimpath -o $(BENCH_BIN)/hello ./bench/hello
	LANG=C.UTF-8 scripts/with-keyring $(GO) run ./bench/run -bin $(BENCH_BIN) $(if $(RESULTS),-o bench/RESULTS.md) $(BENCH_FLAGS)

# Each fuzz target for a bounded time (FUZZTIME, default 30s); failures land
# in testdata/fuzz and become regression tests.
FUZZTIME ?= 30s
.PHONY: fuzz
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzTokenResponse$$' -fuzztime $(FUZZTIME) ./auth
	$(GO) test -run '^$$' -fuzz '^FuzzCurlQuoting$$' -fuzztime $(FUZZTIME) ./format
	$(GO) test -run '^$$' -fuzz '^FuzzLoad$$' -fuzztime $(FUZZTIME) ./storage

.PHONY: clean
clean:
	rm -rf tokendesk tokendesk-gui .cache dist tools/oidc-provider/node_modules rsrc_windows_amd64.syso cmd/tokendesk/rsrc_windows_amd64.syso
