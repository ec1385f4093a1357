package integration

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokendesk/tokendesk/internal/testapi"
	"github.com/zalando/go-keyring"
)

// proxyRun is a running `tokendesk proxy`.
type proxyRun struct {
	cmd    *exec.Cmd
	base   string // the URL it printed, key included
	mu     sync.Mutex
	stderr bytes.Buffer
}

func (p *proxyRun) log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

type lockedWriter struct{ p *proxyRun }

func (w lockedWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.stderr.Write(b)
}

// startProxy runs `tokendesk proxy args...` and reads the URL it prints
// first; stop interrupts it as Ctrl+C does and returns its exit status.
func startProxy(t *testing.T, cfg string, args ...string) (run *proxyRun, stop func() int) {
	t.Helper()
	run = &proxyRun{cmd: exec.Command(env.bin, append([]string{"proxy"}, args...)...)}
	run.cmd.Env = append(os.Environ(), "TOKENDESK_CONFIG_DIR="+cfg)
	run.cmd.Stderr = lockedWriter{run}
	out, err := run.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := run.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		_ = run.cmd.Wait()
		t.Fatalf("tokendesk proxy printed no URL: %v\n%s", err, run.log())
	}
	run.base = strings.TrimSpace(line)
	stopped := false
	stop = func() int {
		if stopped {
			return 0
		}
		stopped = true
		_ = run.cmd.Process.Signal(os.Interrupt)
		err := run.cmd.Wait()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return ee.ExitCode()
		}
		return 0
	}
	t.Cleanup(func() { stop() })
	return run, stop
}

// listening returns the local addresses of the sockets listening on port,
// from /proc/net/tcp and tcp6.
func listening(t *testing.T, port int) []string {
	t.Helper()
	var addrs []string
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(data), "\n")[1:] {
			fs := strings.Fields(l)
			if len(fs) < 4 || fs[3] != "0A" { // 0A: LISTEN
				continue
			}
			host, p, _ := strings.Cut(fs[1], ":")
			if n, _ := strconv.ParseUint(p, 16, 16); int(n) == port {
				addrs = append(addrs, procAddr(host))
			}
		}
	}
	return addrs
}

// procAddr decodes /proc/net's hex address (32-bit words in host order,
// little-endian here).
func procAddr(h string) string {
	b := make([]byte, len(h)/2)
	for i := range b {
		v, _ := strconv.ParseUint(h[2*i:2*i+2], 16, 8)
		b[i] = byte(v)
	}
	for i := 0; i+4 <= len(b); i += 4 {
		b[i], b[i+1], b[i+2], b[i+3] = b[i+3], b[i+2], b[i+1], b[i]
	}
	return net.IP(b).String()
}

// The proxy through the built binary and the real keychain, against an API
// that checks the tokens it issued and can revoke them all.
func TestProxy(t *testing.T) {
	need(t)
	api := testapi.New("proxy-client", "it-secret-proxy-7Hq2")
	defer api.Close()
	cfg := t.TempDir()
	ok(t, cfg, api.Secret+"\n", "add", "px", "--token-url", api.TokenURL(), "--client-id", api.ClientID,
		"--base-url", api.BaseURL(), "--auth-style", "header", "--header", "X-Tenant: t1")
	run, stop := startProxy(t, cfg, "px", "--verbose")
	if !strings.HasPrefix(run.base, "http://127.0.0.1:") || !strings.HasSuffix(run.base, "/") {
		t.Fatalf("first line: got %q; want http://127.0.0.1:PORT/KEY/", run.base)
	}
	key := strings.Trim(run.base[strings.LastIndex(strings.TrimSuffix(run.base, "/"), "/"):], "/")
	port, _ := strconv.Atoi(strings.Split(strings.TrimPrefix(run.base, "http://127.0.0.1:"), "/")[0])

	t.Run("loopback only", func(t *testing.T) {
		if runtime.GOOS != "linux" {
			t.Skip("reads /proc/net")
		}
		addrs := listening(t, port)
		if len(addrs) == 0 {
			t.Fatalf("no socket listens on %d", port)
		}
		for _, a := range addrs {
			if !net.ParseIP(a).IsLoopback() {
				t.Errorf("listens on %s:%d; want loopback only", a, port)
			}
		}
	})

	t.Run("403 without the key", func(t *testing.T) {
		for _, u := range []string{fmt.Sprintf("http://127.0.0.1:%d/fhir/R4/Patient", port),
			fmt.Sprintf("http://127.0.0.1:%d/%s/x", port, strings.Repeat("0", len(key)))} {
			resp, err := http.Get(u)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusForbidden {
				t.Errorf("%s: got %s; want 403", u, resp.Status)
			}
		}
		if api.Calls() != 0 || api.Fetches() != 0 {
			t.Errorf("got %d API calls and %d token fetches; want none", api.Calls(), api.Fetches())
		}
	})

	t.Run("200 concurrent requests share one fetch", func(t *testing.T) {
		var wg sync.WaitGroup
		codes := make([]int, 200)
		for i := range codes {
			wg.Go(func() {
				resp, err := http.Get(run.base + "fhir/R4/Patient/" + strconv.Itoa(i) + "?_count=1")
				if err != nil {
					t.Error(err)
					return
				}
				var e testapi.Echo
				if json.NewDecoder(resp.Body).Decode(&e) == nil && e.Header.Get("X-Tenant") != "t1" {
					t.Errorf("request %d: X-Tenant got %q; want t1", i, e.Header.Get("X-Tenant"))
				}
				resp.Body.Close()
				codes[i] = resp.StatusCode
			})
		}
		wg.Wait()
		for i, c := range codes {
			if c != http.StatusOK {
				t.Fatalf("request %d: got %d; want 200", i, c)
			}
		}
		if n := api.Fetches(); n != 1 {
			t.Errorf("token fetches: got %d; want 1", n)
		}
	})

	t.Run("a large streamed body goes through", func(t *testing.T) {
		const size = 8 << 20
		pr, pw := io.Pipe()
		go func() {
			piece := bytes.Repeat([]byte("z"), 32<<10)
			for range size / len(piece) {
				if _, err := pw.Write(piece); err != nil {
					return
				}
			}
			pw.Close()
		}()
		resp, err := http.Post(run.base+"Binary", "application/octet-stream", pr)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e testapi.Echo
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || e.Bytes != size {
			t.Errorf("got %s, %d bytes (%v); want 200, %d bytes", resp.Status, e.Bytes, err, size)
		}
	})

	t.Run("after a revocation, a small request is replayed", func(t *testing.T) {
		api.RevokeAll()
		before := api.Fetches()
		resp, err := http.Post(run.base+"Patient", "application/json", strings.NewReader(`{"resourceType":"Patient"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var e testapi.Echo
		if err := json.NewDecoder(resp.Body).Decode(&e); err != nil || resp.StatusCode != 200 || e.Bytes != 26 {
			t.Errorf("got %s with %d bytes (%v); want 200 with the 26-byte body", resp.Status, e.Bytes, err)
		}
		if got := api.Fetches() - before; got != 1 {
			t.Errorf("token fetches: got %d more; want 1", got)
		}
	})

	t.Run("after a revocation, a body over the replay limit gets the 401", func(t *testing.T) {
		api.RevokeAll()
		before := api.Fetches()
		pr, pw := io.Pipe()
		go func() {
			piece := bytes.Repeat([]byte("b"), 64<<10)
			for range 40 { // 2.5 MiB
				if _, err := pw.Write(piece); err != nil {
					return
				}
			}
			pw.Close()
		}()
		resp, err := http.Post(run.base+"Binary", "application/octet-stream", pr)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		pr.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("got %s; want the API's 401", resp.Status)
		}
		if got := api.Fetches() - before; got != 0 {
			t.Errorf("token fetches: got %d more; want none", got)
		}
	})

	code := stop()
	if code != 0 {
		t.Errorf("Ctrl+C: exit %d; want 0\n%s", code, run.log())
	}
	log := run.log()
	if !strings.Contains(log, "POST /Patient 200") || !strings.Contains(log, "(replayed with a new token)") {
		t.Errorf("the --verbose log lacks the replayed request:\n%s", log)
	}
	for _, secret := range []string{key, api.Secret, "tapi-"} {
		if strings.Contains(log, secret) {
			t.Errorf("the log shows a key, secret or token (%.5s…)", secret)
		}
	}

	// The key is the keychain's: the next run has the same URL, and rm
	// takes the key away with the profile.
	again, _ := startProxy(t, cfg, "px", "--port", strconv.Itoa(port))
	if again.base != run.base {
		t.Errorf("second run on the same port: got another URL; want the same key")
	}
	var profiles []struct{ ID string }
	if err := json.Unmarshal([]byte(ok(t, cfg, "", "list", "--json")), &profiles); err != nil || len(profiles) != 1 {
		t.Fatalf("list --json: %v", err)
	}
	if got, err := keyring.Get("tokendesk", profiles[0].ID+"/proxy-key"); err != nil || got != key {
		t.Errorf("keychain proxy key: got a different one or %v; want the URL's", err)
	}
	ok(t, cfg, "", "rm", "px")
	if _, err := keyring.Get("tokendesk", profiles[0].ID+"/proxy-key"); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("after rm: got %v; want the proxy key gone", err)
	}
}

func TestProxyFaults(t *testing.T) {
	need(t)
	api := testapi.New("proxy-faults", "it-secret-proxy-faults-3Kd")
	defer api.Close()
	cfg := t.TempDir()
	ok(t, cfg, "wrong-secret-value\n", "add", "bad", "--token-url", api.TokenURL(), "--client-id", api.ClientID,
		"--base-url", api.BaseURL())

	t.Run("a token that cannot be had is a 502 saying why", func(t *testing.T) {
		run, _ := startProxy(t, cfg, "bad")
		resp, err := http.Get(run.base + "x")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		text := strings.TrimSpace(string(body))
		if resp.StatusCode != http.StatusBadGateway || strings.Contains(text, "\n") || !strings.Contains(text, "Invalid secret") {
			t.Errorf("got %s %q; want 502 with the server's error in one line", resp.Status, text)
		}
		if strings.Contains(text, "wrong-secret-value") {
			t.Error("the 502 shows the secret")
		}
	})

	t.Run("a port in use is named", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
		r := cli(t, cfg, "", "proxy", "bad", "--port", port)
		if r.code != 1 || !strings.Contains(r.stderr, "port "+port) || r.stdout != "" {
			t.Errorf("got exit %d, stdout %q, stderr %q; want 1 and the port named", r.code, r.stdout, r.stderr)
		}
	})
}

// execCredential is client.authentication.k8s.io/v1 ExecCredential, as
// kubectl's exec plugin decodes it.
type execCredential struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Spec       *struct {
		Interactive bool            `json:"interactive"`
		Cluster     json.RawMessage `json:"cluster"`
	} `json:"spec"`
	Status *struct {
		ExpirationTimestamp   *string `json:"expirationTimestamp"`
		Token                 string  `json:"token"`
		ClientCertificateData string  `json:"clientCertificateData"`
		ClientKeyData         string  `json:"clientKeyData"`
	} `json:"status"`
}

// validate applies the checks client-go's exec plugin makes.
func (c execCredential) validate(now time.Time) error {
	switch {
	case c.APIVersion != "client.authentication.k8s.io/v1" || c.Kind != "ExecCredential":
		return fmt.Errorf("apiVersion %q, kind %q", c.APIVersion, c.Kind)
	case c.Status == nil:
		return errors.New("no status")
	case c.Status.Token == "" && c.Status.ClientCertificateData == "":
		return errors.New("neither a token nor a certificate")
	case (c.Status.ClientCertificateData == "") != (c.Status.ClientKeyData == ""):
		return errors.New("a certificate without its key or a key without its certificate")
	}
	if c.Status.ExpirationTimestamp != nil {
		exp, err := time.Parse(time.RFC3339, *c.Status.ExpirationTimestamp)
		if err != nil {
			return fmt.Errorf("expirationTimestamp: %w", err)
		}
		if !exp.After(now) {
			return fmt.Errorf("expirationTimestamp %s is not in the future", exp)
		}
	}
	return nil
}

func TestKubectlCredentialAndStatus(t *testing.T) {
	need(t)
	api := testapi.New("kube-client", "it-secret-kube-9Vb")
	defer api.Close()
	cfg := t.TempDir()
	ok(t, cfg, api.Secret+"\n", "add", "kube", "--token-url", api.TokenURL(), "--client-id", api.ClientID)

	r := cli(t, cfg, "", "status", "kube")
	if r.code != 1 || r.stdout+r.stderr != "" {
		t.Errorf("status without a token: got exit %d, output %q; want 1 and nothing", r.code, r.stdout+r.stderr)
	}

	out := ok(t, cfg, "", "token", "kube", "--format", "kubectl")
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	var c execCredential
	if err := dec.Decode(&c); err != nil {
		t.Fatalf("decode %q: %v", out, err)
	}
	if err := c.validate(time.Now()); err != nil {
		t.Errorf("ExecCredential: %v", err)
	}
	if c.Status == nil || !api.Valid(c.Status.Token) || c.Status.ExpirationTimestamp == nil {
		t.Error("status.token is not a token the server issued, or no expirationTimestamp")
	}

	r = cli(t, cfg, "", "status", "kube")
	if r.code != 0 || r.stdout+r.stderr != "" {
		t.Errorf("status with a token: got exit %d, output %q; want 0 and nothing", r.code, r.stdout+r.stderr)
	}
	if r := cli(t, cfg, "", "token", "kube", "--format", "yaml"); r.code != 2 {
		t.Errorf("--format yaml: got exit %d; want 2", r.code)
	}
}
