package integration

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestHostileTokenTextThroughCLI: a token type that would inject a header
// into `curl -H "$(tokendesk header p)"` is refused by name, and a
// server's error text reaches the terminal with its control characters
// escaped.
func TestHostileTokenTextThroughCLI(t *testing.T) {
	need(t)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/sane":
			fmt.Fprint(w, `{"access_token":"sane-token","token_type":"Bearer","expires_in":3600}`)
		case "/hostile-type":
			fmt.Fprint(w, `{"access_token":"abc","token_type":"Bearer\u001b[31m\r\nX-Injected: 1","expires_in":3600}`)
		case "/hostile-error":
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"error":"invalid_client","error_description":"no\u001b]0;owned\u0007\u001b[2J\r\nX-Injected: 1"}`)
		}
	}))
	defer srv.Close()
	cfg := t.TempDir()
	for _, name := range []string{"sane", "hostile-type", "hostile-error"} {
		ok(t, cfg, "hostile-secret\n", "add", name, "--token-url", srv.URL+"/"+name, "--client-id", "c", "--auth-style", "body")
	}
	if got := ok(t, cfg, "", "header", "sane"); got != "Authorization: Bearer sane-token\n" {
		t.Fatalf("sane server: header %q", got)
	}
	tests := []struct{ name, want string }{
		{"hostile-type", "token_type"},
		{"hostile-error", `no\x1b]0;owned\a\x1b[2J\r\nX-Injected: 1`},
	}
	for _, tt := range tests {
		r := cli(t, cfg, "", "header", tt.name)
		if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want 1, nothing, and %q", tt.name, r.code, r.stdout, r.stderr, tt.want)
		}
		if strings.ContainsAny(r.stderr, "\x1b\r\a") {
			t.Errorf("%s: stderr %q holds a control character", tt.name, r.stderr)
		}
	}
}

// TestLoopbackNameNotProxiedThroughCLI: with HTTP_PROXY set, a token URL
// on api.localhost (which the clear-text check calls loopback) is dialled
// directly: the proxy sees neither the Basic try nor auto's body retry.
func TestLoopbackNameNotProxiedThroughCLI(t *testing.T) {
	need(t)
	var mu sync.Mutex
	var proxied []string
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		proxied = append(proxied, r.Method+" "+r.URL.String()+" "+string(body))
		mu.Unlock()
		w.WriteHeader(http.StatusBadGateway)
	}))
	defer proxy.Close()
	seen := func() int { mu.Lock(); defer mu.Unlock(); return len(proxied) }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, _, basic := r.BasicAuth(); basic {
			w.WriteHeader(http.StatusUnauthorized) // auto then sends the secret in the body
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"direct-token","token_type":"Bearer","expires_in":3600}`)
	}))
	defer srv.Close()
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	cfg := t.TempDir()
	ok(t, cfg, "proxied-secret\n", "add", "local", "--token-url", "http://api.localhost:"+port+"/oauth2/token", "--client-id", "c")
	ok(t, cfg, "proxied-secret\n", "add", "remote", "--token-url", "http://tokendesk-proxy-check.test/oauth2/token", "--client-id", "c", "--allow-insecure-http")
	viaProxy := []string{"HTTP_PROXY=" + proxy.URL, "http_proxy=" + proxy.URL, "NO_PROXY=", "no_proxy="}

	r := cliEnv(t, viaProxy, cfg, "", "token", "local")
	if r.code != 0 || r.stdout != "direct-token\n" {
		t.Errorf("api.localhost: exit %d, stdout %q, stderr %q; want the token", r.code, r.stdout, r.stderr)
	}
	if n := seen(); n != 0 {
		t.Errorf("the proxy saw %d requests for api.localhost; want none", n)
	}
	// The proxy is in use for a remote host: the check above means something.
	if r := cliEnv(t, viaProxy, cfg, "", "token", "remote"); r.code != 1 || seen() == 0 {
		t.Errorf("remote host: exit %d, proxy saw %d; want the request proxied", r.code, seen())
	}
}
