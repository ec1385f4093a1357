// Package integration runs the built tokendesk binary against real parts: ORY
// Hydra as the OAuth2 server on 127.0.0.1 and the real keychain (in CI,
// gnome-keyring on a private D-Bus session, see scripts/with-keyring).
//
// `make test` provides both. Under CI=true or TOKENDESK_INTEGRATION=1 a
// missing part fails the run; elsewhere the tests are skipped with a note.
package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// env is what TestMain set up.
var env struct {
	skip     string // why the tests cannot run here
	bin      string // the tokendesk binary
	public   string // Hydra's public URL
	admin    string // Hydra's admin URL
	tokenURL string
}

func required() bool { return os.Getenv("CI") == "true" || os.Getenv("TOKENDESK_INTEGRATION") == "1" }

func TestMain(m *testing.M) {
	if u, ok := browserMode(); ok {
		os.Exit(runBrowser(u)) // this binary is a test's $BROWSER
	}
	os.Exit(run(m))
}

func run(m *testing.M) int {
	tmp, err := os.MkdirTemp("", "tokendesk-it-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(tmp)

	defer func() { hydraStop() }()
	if err := setup(tmp); err != nil {
		if required() {
			fmt.Fprintf(os.Stderr, "integration: %v\n", err)
			return 1
		}
		env.skip = err.Error() + " (run 'make test' to provide it)"
	}
	return m.Run()
}

func setup(tmp string) error {
	if err := keychainWorks(); err != nil {
		return err
	}
	hydra := os.Getenv("TOKENDESK_HYDRA")
	if hydra == "" {
		hydra = filepath.Join("..", ".cache", "bin", "hydra")
	}
	if _, err := os.Stat(hydra); err != nil {
		return fmt.Errorf("no Hydra binary at %s: %w", hydra, err)
	}
	env.bin = filepath.Join(tmp, "tokendesk")
	build := exec.Command("go", "build", "-o", env.bin, "../cmd/tokendesk")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("build tokendesk: %w", err)
	}
	return startHydra(hydra, tmp)
}

// keychainWorks checks for a Secret Service that stores and returns a value.
func keychainWorks() error {
	done := make(chan error, 1)
	go func() {
		if err := keyring.Set("tokendesk-probe", "probe", "x"); err != nil {
			done <- err
			return
		}
		done <- keyring.Delete("tokendesk-probe", "probe")
	}()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("no usable keychain: %w", err)
		}
		return nil
	case <-time.After(10 * time.Second):
		return errors.New("the keychain did not answer within 10 s")
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func startHydra(bin, tmp string) error {
	pub, err := freePort()
	if err != nil {
		return err
	}
	adm, err := freePort()
	if err != nil {
		return err
	}
	env.public = fmt.Sprintf("http://127.0.0.1:%d", pub)
	env.admin = fmt.Sprintf("http://127.0.0.1:%d", adm)
	env.tokenURL = env.public + "/oauth2/token"
	logf, err := os.Create(filepath.Join(tmp, "hydra.log"))
	if err != nil {
		return err
	}
	cmd := exec.Command(bin, "serve", "all", "--dev", "--sqa-opt-out")
	cmd.Env = append(os.Environ(),
		"DSN=memory",
		"SECRETS_SYSTEM=integration-tests-only-not-a-real-secret",
		"URLS_SELF_ISSUER="+env.public,
		"SERVE_PUBLIC_HOST=127.0.0.1", fmt.Sprintf("SERVE_PUBLIC_PORT=%d", pub),
		"SERVE_ADMIN_HOST=127.0.0.1", fmt.Sprintf("SERVE_ADMIN_PORT=%d", adm),
		"LOG_LEVEL=warn",
	)
	cmd.Env = append(cmd.Env, hydraSignInEnv()...)
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start Hydra: %w", err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	hydraStop = func() { _ = cmd.Process.Kill(); <-exited }

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		resp, err := http.Get(env.admin + "/health/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
		}
		select {
		case err := <-exited:
			log, _ := os.ReadFile(logf.Name())
			return fmt.Errorf("Hydra exited (%v):\n%s", err, log)
		case <-ctx.Done():
			return errors.New("Hydra was not ready within 60 s")
		case <-tick.C:
		}
	}
}

var hydraStop = func() {}

// need skips the test when the real parts are missing outside CI.
func need(t *testing.T) {
	t.Helper()
	if env.skip != "" {
		t.Skip(env.skip)
	}
}

// hydraClient registers a client-credentials client with Hydra and returns
// its ID and secret.
func hydraClient(t *testing.T, authMethod string, extra map[string]any) (id, secret string) {
	t.Helper()
	secret = "it-secret-" + strings.ReplaceAll(t.Name(), "/", "-") + "-Q7zX"
	body := map[string]any{
		"client_secret":              secret,
		"grant_types":                []string{"client_credentials"},
		"token_endpoint_auth_method": authMethod,
		"scope":                      "read write",
		"audience":                   []string{"https://api.example.com"},
	}
	for k, v := range extra {
		body[k] = v
	}
	b, _ := json.Marshal(body)
	resp, err := http.Post(env.admin+"/admin/clients", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		ClientID string `json:"client_id"`
	}
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 201 || json.Unmarshal(data, &out) != nil {
		t.Fatalf("create Hydra client: %s %s", resp.Status, data)
	}
	return out.ClientID, secret
}

// introspect asks Hydra's admin port about a token.
func introspect(t *testing.T, token string) map[string]any {
	t.Helper()
	resp, err := http.PostForm(env.admin+"/admin/oauth2/introspect", url.Values{"token": {token}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return out
}

// result is one run of the binary.
type result struct {
	stdout, stderr string
	code           int
}

// cli runs tokendesk with a config dir and standard input.
func cli(t *testing.T, cfg, stdin string, args ...string) result {
	t.Helper()
	return cliEnv(t, nil, cfg, stdin, args...)
}

// cliEnv is cli with extra environment variables (another D-Bus, say).
func cliEnv(t *testing.T, extra []string, cfg, stdin string, args ...string) result {
	t.Helper()
	cmd := exec.Command(env.bin, args...)
	cmd.Env = append(append(os.Environ(), "TOKENDESK_CONFIG_DIR="+cfg, "TMPDIR="+cliTemp), extra...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("run tokendesk %v: %v", args, err)
	}
	recorded = append(recorded, r)
	return r
}

// cliTemp is the temp dir the CLI runs get, for the leak check.
var cliTemp = os.TempDir()

// recorded keeps every output for the leak check.
var recorded []result

// ok runs tokendesk and fails the test unless it exits 0.
func ok(t *testing.T, cfg, stdin string, args ...string) string {
	t.Helper()
	r := cli(t, cfg, stdin, args...)
	if r.code != 0 {
		t.Fatalf("tokendesk %s: exit %d\n%s", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}
