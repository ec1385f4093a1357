package integration

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tokendesk/tokendesk/internal/keyringtest"
	"github.com/zalando/go-keyring"
)

// TestHostileServersThroughCLI: each odd answer ends in a clear message on
// stderr, nothing on stdout, and exit status 1.
func TestHostileServersThroughCLI(t *testing.T) {
	need(t)
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/html":
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(502)
			fmt.Fprint(w, "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center></body></html>")
		case "/medplum":
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			fmt.Fprint(w, `{"error":"invalid_request","error_description":"Invalid secret"}`)
		case "/slow-down":
			w.Header().Set("Retry-After", "120")
			w.WriteHeader(429)
		case "/hang":
			select {
			case <-hang:
			case <-r.Context().Done():
			}
		case "/redirect":
			http.Redirect(w, r, "http://127.0.0.2:9/steal", http.StatusTemporaryRedirect)
		}
	}))
	defer func() { close(hang); srv.Close() }() // release the hung handler first
	cfg := t.TempDir()
	tests := []struct{ path, want string }{
		{"/html", `502 Bad Gateway (text/html): "<html><head><title>502 Bad Gateway`},
		{"/medplum", "400 Bad Request: invalid_request: Invalid secret"},
		{"/slow-down", "retry after 2m0s"},
		{"/hang", "within 1s"},
		{"/redirect", "does not follow redirects"},
	}
	for _, tt := range tests {
		name := strings.TrimPrefix(tt.path, "/")
		ok(t, cfg, "hostile-secret\n", "add", name, "--token-url", srv.URL+tt.path, "--client-id", "c", "--timeout", "1")
		r := cli(t, cfg, "", "token", name)
		if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 1 and %q", name, r.code, r.stdout, r.stderr, tt.want)
		}
		if strings.Contains(r.stderr, "hostile-secret") {
			t.Errorf("%s: stderr shows the secret", name)
		}
	}
}

// TestNoSecretService: without a D-Bus session, or on a bus with no Secret
// Service, the CLI says what to install, and the profiles are not lost.
func TestNoSecretService(t *testing.T) {
	need(t)
	cfg := t.TempDir()
	ok(t, cfg, "s3cret\n", "add", "kept", "--token-url", env.tokenURL, "--client-id", "c")

	emptyBus := keyringtest.PrivateBus(t)

	for name, busAddr := range map[string]string{"no bus": "unix:path=/nonexistent/bus", "bus without secrets": emptyBus} {
		run := func(stdin string, args ...string) result {
			return cliEnv(t, []string{"DBUS_SESSION_BUS_ADDRESS=" + busAddr}, cfg, stdin, args...)
		}
		r := run("", "token", "kept")
		if r.code != 1 || !strings.Contains(r.stderr, "install and start a Secret Service such as gnome-keyring") {
			t.Errorf("%s: token: exit %d, %q", name, r.code, r.stderr)
		}
		r = run("x\n", "add", "new", "--token-url", env.tokenURL, "--client-id", "c")
		if r.code != 1 || !strings.Contains(r.stderr, "gnome-keyring") {
			t.Errorf("%s: add: exit %d, %q", name, r.code, r.stderr)
		}
		if r := run("", "list"); r.code != 0 || !strings.Contains(r.stdout, "kept") || strings.Contains(r.stdout, "new") {
			t.Errorf("%s: list: exit %d, %q", name, r.code, r.stdout)
		}
	}
}

// TestSecretDeletedBehindOurBack: the profile says its secret is missing.
func TestSecretDeletedBehindOurBack(t *testing.T) {
	need(t)
	cfg := t.TempDir()
	ok(t, cfg, "s3cret\n", "add", "orphan", "--token-url", env.tokenURL, "--client-id", "c")
	data, _ := os.ReadFile(filepath.Join(cfg, "profiles.json"))
	id := strings.SplitN(strings.SplitN(string(data), `"id": "`, 2)[1], `"`, 2)[0]
	if err := keyring.Delete("tokendesk", id+"/client-secret"); err != nil {
		t.Fatal(err)
	}
	r := cli(t, cfg, "", "token", "orphan")
	if r.code != 1 || !strings.Contains(r.stderr, "client secret missing from the keychain: enter it again") {
		t.Errorf("exit %d, %q", r.code, r.stderr)
	}
	// Entering it again works.
	id2, secret := hydraClient(t, "client_secret_basic", nil)
	ok(t, cfg, secret+"\n", "edit", "orphan", "--client-id", id2, "--secret-stdin")
	ok(t, cfg, "", "token", "orphan")
}

// TestConcurrentCLIWriters: ten CLIs adding profiles at once lose none.
func TestConcurrentCLIWriters(t *testing.T) {
	need(t)
	cfg := t.TempDir()
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Go(func() {
			cmd := exec.Command(env.bin, "add", fmt.Sprintf("p%d", i), "--token-url", env.tokenURL, "--client-id", "c")
			cmd.Env = append(os.Environ(), "TOKENDESK_CONFIG_DIR="+cfg)
			cmd.Stdin = strings.NewReader("s\n")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("add p%d: %v %s", i, err, out)
			}
		})
	}
	wg.Wait()
	list := ok(t, cfg, "", "list")
	for i := range 10 {
		if !strings.Contains(list, fmt.Sprintf("p%d ", i)) {
			t.Errorf("p%d lost:\n%s", i, list)
		}
	}
	for i := range 10 {
		ok(t, cfg, "", "rm", fmt.Sprintf("p%d", i))
	}
}

// TestBrokenFileRepairThroughCLI: a broken file is reported with its path,
// kept, and repaired only on request.
func TestBrokenFileRepairThroughCLI(t *testing.T) {
	need(t)
	cfg := t.TempDir()
	ok(t, cfg, "s\n", "add", "first", "--token-url", env.tokenURL, "--client-id", "c")
	ok(t, cfg, "s\n", "add", "second", "--token-url", env.tokenURL, "--client-id", "c")
	path := filepath.Join(cfg, "profiles.json")
	data, _ := os.ReadFile(path)
	broken := data[:strings.Index(string(data), `"second"`)]
	if err := os.WriteFile(path, broken, 0o600); err != nil {
		t.Fatal(err)
	}
	r := cli(t, cfg, "s\n", "add", "third", "--token-url", env.tokenURL, "--client-id", "c")
	if r.code != 1 || !strings.Contains(r.stderr, path) || !strings.Contains(r.stderr, "tokendesk repair") {
		t.Errorf("add on a broken file: exit %d, %q", r.code, r.stderr)
	}
	if now, _ := os.ReadFile(path); string(now) != string(broken) {
		t.Fatal("the broken file was written over")
	}
	r = cli(t, cfg, "", "repair")
	if r.code != 0 || !strings.Contains(r.stderr, "Kept 1 profile") {
		t.Fatalf("repair: exit %d, %q", r.code, r.stderr)
	}
	if list := ok(t, cfg, "", "list"); !strings.Contains(list, "first") {
		t.Errorf("after repair:\n%s", list)
	}
	ok(t, cfg, "", "rm", "first")
}
