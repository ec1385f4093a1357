package integration

import (
	"bufio"
	"crypto/tls"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// startOIDCProvider runs panva's oidc-provider (tools/oidc-provider, from
// npm) with one client_secret_jwt client and the sign-in clients of
// server.mjs, extra being more of its environment, and returns its issuer
// URL.
func startOIDCProvider(t *testing.T, clientID, secret string, extra ...string) string {
	t.Helper()
	dir := os.Getenv("TOKENDESK_OIDC_PROVIDER")
	if dir == "" {
		dir = filepath.Join("..", "tools", "oidc-provider")
	}
	node, err := exec.LookPath("node")
	if err == nil {
		_, err = os.Stat(filepath.Join(dir, "node_modules", "oidc-provider"))
	}
	if err != nil {
		if required() {
			t.Fatalf("oidc-provider is not installed (make oidc-provider): %v", err)
		}
		t.Skipf("oidc-provider is not installed (make oidc-provider): %v", err)
	}
	cmd := exec.Command(node, "server.mjs")
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "CLIENT_ID="+clientID, "CLIENT_SECRET="+secret, "NODE_NO_WARNINGS=1"), extra...)
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	var logs strings.Builder
	cmd.Stderr = &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { stdin.Close(); _ = cmd.Wait() })
	issuer := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		issuer <- strings.TrimSpace(line)
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case u := <-issuer:
		if !strings.HasPrefix(u, "http://127.0.0.1:") {
			t.Fatalf("oidc-provider did not start: %q\n%s", u, logs.String())
		}
		return u
	case <-time.After(30 * time.Second):
		t.Fatalf("oidc-provider did not start within 30 s\n%s", logs.String())
	}
	return ""
}

// client_secret_jwt against a server that verifies the HS256 assertion,
// and introspection of its opaque token at the endpoint it advertises.
func TestClientSecretJWTWithOIDCProvider(t *testing.T) {
	need(t)
	const secret = "it-client-secret-jwt-0123456789abcdef-Q7zX"
	issuer := startOIDCProvider(t, "jwt-client", secret)
	cfg := t.TempDir()
	recorded = nil

	out := ok(t, cfg, "", "discover", issuer, "--auth-style", "client_secret_jwt")
	if !strings.Contains(out, "client_secret_jwt") || !strings.Contains(out, "introspection:   "+issuer+"/token/introspection") ||
		!strings.Contains(out, "api:read api:write") {
		t.Errorf("discover:\n%s", out)
	}
	ok(t, cfg, secret+"\n", "add", "op", "--token-url", issuer+"/token", "--client-id", "jwt-client",
		"--auth-style", "client_secret_jwt", "--scope", "api:read", "--env", "local")
	tok := strings.TrimSpace(ok(t, cfg, "", "token", "op"))
	if len(tok) < 20 {
		t.Fatalf("no token (%d bytes)", len(tok))
	}
	in := ok(t, cfg, "", "introspect", "op", "--json")
	var info map[string]any
	if err := json.Unmarshal([]byte(in), &info); err != nil || info["active"] != true || info["client_id"] != "jwt-client" || info["scope"] != "api:read" {
		t.Errorf("introspect: %v %v", err, info)
	}
	text := ok(t, cfg, "", "introspect", "op")
	if !strings.Contains(text, "\nactive      true\n") || !strings.Contains(text, "left)") {
		t.Errorf("introspect:\n%s", text)
	}

	// A wrong secret signs an assertion the server refuses.
	ok(t, cfg, "wrong-secret-for-the-jwt-0123456789abcdef\n", "edit", "op", "--secret-stdin")
	r := cli(t, cfg, "", "token", "op")
	if r.code != 1 || !strings.Contains(r.stderr, "401 Unauthorized: invalid_client") {
		t.Errorf("wrong secret: exit %d: %s", r.code, r.stderr)
	}
	for _, r := range recorded {
		if strings.Contains(r.stdout+r.stderr, secret) || strings.Contains(r.stderr, tok) {
			t.Error("a command printed the secret, or the token on standard error")
		}
	}
}

// Introspection of Hydra's opaque ory_at_ token at the endpoint the
// profile names (Hydra lists none in its metadata).
func TestIntrospectWithHydra(t *testing.T) {
	need(t)
	cfg := t.TempDir()
	id, secret := hydraClient(t, "client_secret_basic", nil)
	ok(t, cfg, secret+"\n", "add", "hydra", "--token-url", env.tokenURL, "--client-id", id, "--scope", "read write",
		"--introspection-url", env.admin+"/admin/oauth2/introspect")
	tok := strings.TrimSpace(ok(t, cfg, "", "token", "hydra"))
	out := ok(t, cfg, "", "introspect", "hydra")
	for _, want := range []string{"\nactive      true\n", "\nclient_id   " + id + "\n", "\nscope       read write\n", "left)"} {
		if !strings.Contains(out, want) {
			t.Errorf("introspect lacks %q:\n%s", want, strings.ReplaceAll(out, tok, "[token]"))
		}
	}
	// Without the profile's URL, discovery finds none: a clear message.
	cfg2 := t.TempDir()
	ok(t, cfg2, secret+"\n", "add", "hydra", "--token-url", env.tokenURL, "--client-id", id)
	r := cli(t, cfg2, "", "introspect", "hydra")
	if r.code != 1 || !strings.Contains(r.stderr, "--introspection-url") {
		t.Errorf("no endpoint: exit %d: %s", r.code, r.stderr)
	}
}

// tls_client_auth through the binary: the profile's generated, self-signed
// certificate is what reaches a server that requires one
// (self_signed_tls_client_auth: the server knows the certificate from the
// JWKS it was given).
func TestMutualTLSThroughCLI(t *testing.T) {
	need(t)
	cfg := t.TempDir()
	var registered atomic.Value // the DER the server accepts, a string
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		certs := r.TLS.PeerCertificates
		if len(certs) == 0 || registered.Load() != string(certs[0].Raw) || r.PostForm.Has("client_secret") || r.PostForm.Get("client_id") != "svc" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_client","error_description":"unknown client certificate"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"mtls-token-1","token_type":"Bearer","expires_in":300}`)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{ClientAuth: tls.RequireAnyClientCert}
	srv.StartTLS()
	t.Cleanup(srv.Close)
	caFile := filepath.Join(t.TempDir(), "server-ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}

	r := cli(t, cfg, "", "add", "mtls", "--token-url", srv.URL+"/token", "--client-id", "svc", "--auth-style", "tls_client_auth", "--ca-file", caFile)
	if r.code != 0 || !strings.Contains(r.stderr, "self-signed client certificate") {
		t.Fatalf("add: exit %d: %s", r.code, r.stderr)
	}
	// Not registered yet: the server's refusal comes through.
	if r := cli(t, cfg, "", "token", "mtls"); r.code != 1 || !strings.Contains(r.stderr, "unknown client certificate") {
		t.Errorf("unregistered: exit %d: %s", r.code, r.stderr)
	}
	var jwks struct {
		Keys []struct {
			X5c []string `json:"x5c"`
		} `json:"keys"`
	}
	if err := json.Unmarshal([]byte(ok(t, cfg, "", "jwks", "mtls")), &jwks); err != nil || len(jwks.Keys) != 1 || len(jwks.Keys[0].X5c) != 1 {
		t.Fatalf("jwks: %v %+v", err, jwks)
	}
	der, _ := base64.StdEncoding.DecodeString(jwks.Keys[0].X5c[0])
	registered.Store(string(der))
	if tok := strings.TrimSpace(ok(t, cfg, "", "token", "mtls", "--fresh")); tok != "mtls-token-1" {
		t.Errorf("token %q", tok)
	}
	if req := ok(t, cfg, "", "curl", "mtls", "--token-request"); !strings.Contains(req, `--cert "$CLIENT_CERT" --key "$CLIENT_KEY"`) {
		t.Errorf("token request: %s", req)
	}
	data, _ := os.ReadFile(filepath.Join(cfg, "profiles.json"))
	if strings.Contains(string(data), "PRIVATE KEY") || !strings.Contains(string(data), "BEGIN CERTIFICATE") {
		t.Error("profiles.json holds a private key, or no certificate")
	}
}
