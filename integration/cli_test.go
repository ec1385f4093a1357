package integration

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/tokendesk/tokendesk/format"
	"github.com/tokendesk/tokendesk/keys"
	"github.com/zalando/go-keyring"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

func TestTokenFromHydraEachAuthStyle(t *testing.T) {
	need(t)
	tests := []struct{ method, style string }{
		{"client_secret_basic", "header"},
		{"client_secret_post", "body"},
		{"client_secret_basic", "auto"},
	}
	for _, tt := range tests {
		t.Run(tt.method+"-"+tt.style, func(t *testing.T) {
			cfg := t.TempDir()
			id, secret := hydraClient(t, tt.method, nil)
			ok(t, cfg, secret+"\n", "add", "hydra", "--token-url", env.tokenURL, "--client-id", id,
				"--auth-style", tt.style, "--scope", "read", "--param", "audience=https://api.example.com", "--env", "local")

			tok := strings.TrimSpace(ok(t, cfg, "", "token", "hydra"))
			if !strings.HasPrefix(tok, "ory_at_") {
				t.Fatalf("token output does not look like a Hydra token (%d bytes)", len(tok))
			}
			info := introspect(t, tok)
			if info["active"] != true || info["client_id"] != id || info["scope"] != "read" {
				t.Errorf("introspection: active=%v client_id=%v scope=%v", info["active"], info["client_id"], info["scope"])
			}
			if aud, _ := json.Marshal(info["aud"]); !strings.Contains(string(aud), "https://api.example.com") {
				t.Errorf("audience parameter not granted: aud=%s", aud)
			}
			// Cached: the same token again, from the keychain.
			if again := strings.TrimSpace(ok(t, cfg, "", "token", "hydra")); again != tok {
				t.Error("second call did not reuse the cached token")
			}
			fresh := strings.TrimSpace(ok(t, cfg, "", "token", "hydra", "--fresh"))
			if fresh == tok || introspect(t, fresh)["active"] != true {
				t.Error("--fresh did not fetch a new, active token")
			}
			if h := ok(t, cfg, "", "header", "hydra"); h != "Authorization: Bearer "+fresh+"\n" {
				t.Errorf("header printed %d bytes, not the header line for the cached token", len(h))
			}
			list := ok(t, cfg, "", "list")
			if !strings.Contains(list, "hydra") || !strings.Contains(list, "valid ") {
				t.Errorf("list:\n%s", strings.ReplaceAll(list, fresh, "[token]"))
			}
			var rows []map[string]any
			if err := json.Unmarshal([]byte(ok(t, cfg, "", "list", "--json")), &rows); err != nil || len(rows) != 1 || rows[0]["state"] == "no token" {
				t.Errorf("list --json: %v %v", err, rows)
			}
		})
	}
}

func TestWrongSecretShowsHydrasError(t *testing.T) {
	need(t)
	cfg := t.TempDir()
	id, _ := hydraClient(t, "client_secret_post", nil)
	ok(t, cfg, "wrong-secret-value\n", "add", "bad", "--token-url", env.tokenURL, "--client-id", id, "--auth-style", "body")
	r := cli(t, cfg, "", "token", "bad")
	if r.code != 1 {
		t.Errorf("exit %d; want 1", r.code)
	}
	if r.stdout != "" {
		t.Errorf("stdout %q; want nothing", r.stdout)
	}
	if !strings.Contains(r.stderr, "401 Unauthorized") || !strings.Contains(r.stderr, "invalid_client") {
		t.Errorf("stderr %q; want Hydra's 401 invalid_client", r.stderr)
	}
	if strings.Contains(r.stderr, "wrong-secret-value") {
		t.Error("the error shows the secret")
	}
}

func TestJWTAccessTokenClaims(t *testing.T) {
	need(t)
	cfg := t.TempDir()
	id, secret := hydraClient(t, "client_secret_basic", map[string]any{"access_token_strategy": "jwt"})
	ok(t, cfg, secret+"\n", "add", "jwt", "--token-url", env.tokenURL, "--client-id", id, "--scope", "read write")
	tok := strings.TrimSpace(ok(t, cfg, "", "token", "jwt"))
	claims, header, isJWT := format.Claims(tok)
	if !isJWT {
		t.Fatal("Hydra's JWT access token did not decode")
	}
	if header["alg"] != "RS256" {
		t.Errorf("alg %v", header["alg"])
	}
	got := map[string]string{}
	for _, c := range claims {
		got[c.Name] = c.Value
	}
	if got["client_id"] != id || got["iss"] != env.public || got["scp"] != "read, write" {
		t.Errorf("claims client_id=%q iss=%q scp=%q", got["client_id"], got["iss"], got["scp"])
	}
}

// TestCurlCommandWorks pastes the printed curl command into a shell against
// an API that accepts only tokens Hydra says are active.
func TestCurlCommandWorks(t *testing.T) {
	need(t)
	if _, err := exec.LookPath("curl"); err != nil {
		t.Fatal("curl is not installed")
	}
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !found || introspect(t, tok)["active"] != true {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, "hello %s %s", r.URL.Path, r.URL.Query().Get("name"))
	}))
	defer api.Close()
	cfg := t.TempDir()
	id, secret := hydraClient(t, "client_secret_basic", nil)
	ok(t, cfg, secret+"\n", "add", "api", "--token-url", env.tokenURL, "--client-id", id, "--base-url", api.URL+"/")
	line := ok(t, cfg, "", "curl", "api", "fhir/R4/Patient?name=O'Brien")
	out, err := exec.Command("sh", "-c", strings.TrimSpace(line)+" --silent --fail").CombinedOutput()
	if err != nil || string(out) != "hello /fhir/R4/Patient O'Brien" {
		t.Errorf("the printed curl command gave %q, %v", out, err)
	}

	// The token request as curl works once $CLIENT_SECRET is set.
	req := ok(t, cfg, "", "curl", "api", "--token-request")
	if strings.Contains(req, secret) {
		t.Fatal("the token request command contains the secret")
	}
	cmd := exec.Command("sh", "-c", strings.TrimSpace(req)+" --silent --fail")
	cmd.Env = append(os.Environ(), "CLIENT_SECRET="+secret)
	body, err := cmd.Output()
	var tr struct {
		AccessToken string `json:"access_token"`
	}
	if err != nil || json.Unmarshal(body, &tr) != nil || tr.AccessToken == "" {
		t.Errorf("the token request command failed: %v", err)
	}
}

func TestRemoveForgetsKeychainEntries(t *testing.T) {
	need(t)
	cfg := t.TempDir()
	id, secret := hydraClient(t, "client_secret_basic", nil)
	ok(t, cfg, secret+"\n", "add", "gone", "--token-url", env.tokenURL, "--client-id", id)
	ok(t, cfg, "", "token", "gone")
	var f struct {
		Profiles []struct{ ID string } `json:"profiles"`
	}
	data, _ := os.ReadFile(filepath.Join(cfg, "profiles.json"))
	if err := json.Unmarshal(data, &f); err != nil || len(f.Profiles) != 1 {
		t.Fatalf("profiles file: %v", err)
	}
	pid := f.Profiles[0].ID
	for _, user := range []string{pid + "/client-secret", pid + "/token"} {
		if _, err := keyring.Get("tokendesk", user); err != nil {
			t.Errorf("keychain entry %s missing after add+token: %v", user, err)
		}
	}
	ok(t, cfg, "", "rm", "gone")
	for _, user := range []string{pid + "/client-secret", pid + "/token"} {
		if _, err := keyring.Get("tokendesk", user); !errors.Is(err, keyring.ErrNotFound) {
			t.Errorf("keychain entry %s after rm: %v; want not found", user, err)
		}
	}
	if r := cli(t, cfg, "", "token", "gone"); r.code != 1 || !strings.Contains(r.stderr, `no profile named "gone"`) {
		t.Errorf("token after rm: exit %d, %q", r.code, r.stderr)
	}
}

func TestUsageErrorsExitTwo(t *testing.T) {
	need(t)
	cfg := t.TempDir()
	for _, args := range [][]string{{"token"}, {"token", "a", "b"}, {"add", "x", "--no-such-flag"}, {"frobnicate"}, {"add", "x", "--token-url", "ftp://x", "--client-id", "c"}} {
		if r := cli(t, cfg, "", args...); r.code != 2 {
			t.Errorf("tokendesk %v: exit %d; want 2 (%s)", args, r.code, r.stderr)
		}
	}
	if r := cli(t, cfg, "", "add", "nosecret", "--token-url", env.tokenURL, "--client-id", "c"); r.code != 2 || !strings.Contains(r.stderr, "no client secret") {
		t.Errorf("add without a secret: exit %d, %q", r.code, r.stderr)
	}
}

// TestNoSecretLeaks runs add, token, list, header and curl, then looks for
// the client secret in every file under the config dir and everything the
// commands printed, and for the token anywhere but where it was asked for.
func TestNoSecretLeaks(t *testing.T) {
	need(t)
	cfg := t.TempDir()
	cliTemp = t.TempDir() // and whatever the CLI leaves in its temp dir
	defer func() { cliTemp = os.TempDir() }()
	id, secret := hydraClient(t, "client_secret_post", nil)
	recorded = nil
	ok(t, cfg, secret+"\n", "add", "leak", "--token-url", env.tokenURL, "--client-id", id, "--auth-style", "body", "--base-url", "https://api.example.com/")
	tok := strings.TrimSpace(ok(t, cfg, "", "token", "leak"))
	ok(t, cfg, "", "list")
	ok(t, cfg, "", "list", "--json")
	ok(t, cfg, "", "header", "leak")
	ok(t, cfg, "", "curl", "leak", "x")
	ok(t, cfg, "", "curl", "leak", "--token-request")
	cli(t, cfg, "", "token", "missing")

	err := walkFiles([]string{cfg, cliTemp}, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if strings.Contains(string(data), secret) || strings.Contains(string(data), tok) {
			t.Errorf("%s contains the secret or the token", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recorded {
		if strings.Contains(r.stdout+r.stderr, secret) || strings.Contains(url.QueryEscape(r.stdout+r.stderr), url.QueryEscape(secret)) {
			t.Error("a command printed the client secret")
		}
		if strings.Contains(r.stderr, tok) {
			t.Error("a command printed the token on standard error")
		}
	}
}

func walkFiles(dirs []string, fn fs.WalkDirFunc) error {
	for _, d := range dirs {
		if err := filepath.WalkDir(d, fn); err != nil {
			return err
		}
	}
	return nil
}

func TestDiscoverHydra(t *testing.T) {
	need(t)
	cfg := t.TempDir()
	out := ok(t, cfg, "", "discover", env.public)
	if !strings.Contains(out, "token endpoint:  "+env.tokenURL) || !strings.Contains(out, "client_secret_basic") || !strings.Contains(out, "client_credentials") {
		t.Errorf("discover printed:\n%s", out)
	}
	var m struct {
		TokenEndpoint string `json:"token_endpoint"`
	}
	if err := json.Unmarshal([]byte(ok(t, cfg, "", "discover", env.public, "--json")), &m); err != nil || m.TokenEndpoint != env.tokenURL {
		t.Errorf("discover --json: %v %+v", err, m)
	}
}

// TestPrivateKeyJWTWithHydra: Hydra verifies our signed client assertion
// against the JWKS tokendesk prints.
func TestPrivateKeyJWTWithHydra(t *testing.T) {
	need(t)
	cfg := t.TempDir()
	key, err := keys.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(keyFile, []byte(key), 0o600); err != nil {
		t.Fatal(err)
	}
	set, _ := keys.JWKS(key, "")
	var jwks any
	if err := json.Unmarshal([]byte(set), &jwks); err != nil {
		t.Fatal(err)
	}
	id, _ := hydraClient(t, "private_key_jwt", map[string]any{"jwks": jwks, "token_endpoint_auth_signing_alg": "RS256", "client_secret": ""})
	ok(t, cfg, "", "add", "pk", "--auth-style", "private_key_jwt", "--private-key", keyFile, "--client-id", id, "--token-url", env.tokenURL)
	tok := strings.TrimSpace(ok(t, cfg, "", "token", "pk"))
	if info := introspect(t, tok); info["active"] != true || info["client_id"] != id {
		t.Errorf("introspection: %v", info)
	}
	if printed := ok(t, cfg, "", "jwks", "pk"); strings.TrimSpace(printed) != strings.TrimSpace(set) {
		t.Errorf("jwks printed\n%s\nwant\n%s", printed, set)
	}
	// A generated key works once its JWKS is registered.
	ok(t, cfg, "", "add", "pk2", "--auth-style", "private_key_jwt", "--client-id", "later", "--token-url", env.tokenURL)
	var jwks2 any
	if err := json.Unmarshal([]byte(ok(t, cfg, "", "jwks", "pk2")), &jwks2); err != nil {
		t.Fatal(err)
	}
	id2, _ := hydraClient(t, "private_key_jwt", map[string]any{"jwks": jwks2, "token_endpoint_auth_signing_alg": "RS256", "client_secret": ""})
	ok(t, cfg, "", "edit", "pk2", "--client-id", id2)
	if tok2 := strings.TrimSpace(ok(t, cfg, "", "token", "pk2")); introspect(t, tok2)["client_id"] != id2 {
		t.Error("the generated key's token is not the second client's")
	}
}

// A secret header through the binary and the real keychain: the printed
// curl command works against an API that wants the key, the value is in
// gnome-keyring and nowhere in the config dir, and rm takes it away.
func TestSecretHeaderThroughKeychain(t *testing.T) {
	need(t)
	const key = "gateway-api-key-0c1d"
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tok, found := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !found || r.Header.Get("X-Api-Key") != key || introspect(t, tok)["active"] != true {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, "hello with key")
	}))
	defer api.Close()
	cfg := t.TempDir()
	id, secret := hydraClient(t, "client_secret_basic", nil)
	// The values come on standard input, after the client secret: never
	// on the command line, which every local user can read.
	ok(t, cfg, secret+"\n"+key+"\n"+key+"-token\n", "add", "gw", "--token-url", env.tokenURL, "--client-id", id, "--base-url", api.URL+"/",
		"--secret-header", "X-Api-Key", "--secret-token-header", "X-Gateway-Key")
	line := ok(t, cfg, "", "curl", "gw", "data")
	out, err := exec.Command("sh", "-c", strings.TrimSpace(line)+" --silent --fail").CombinedOutput()
	if err != nil || string(out) != "hello with key" {
		t.Errorf("the printed curl command gave %q, %v", out, err)
	}
	req := ok(t, cfg, "", "curl", "gw", "--token-request")
	if strings.Contains(req, key) || !strings.Contains(req, "$X_GATEWAY_KEY") {
		t.Errorf("the shareable token request: %s", req)
	}
	err = walkFiles([]string{cfg}, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if data, err := os.ReadFile(path); err != nil || strings.Contains(string(data), key) {
			t.Errorf("%s holds the secret header's value (%v)", path, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Profiles []struct{ ID string } `json:"profiles"`
	}
	data, _ := os.ReadFile(filepath.Join(cfg, "profiles.json"))
	if err := json.Unmarshal(data, &f); err != nil || len(f.Profiles) != 1 {
		t.Fatalf("profiles file: %v", err)
	}
	user := f.Profiles[0].ID + "/headers"
	if v, err := keyring.Get("tokendesk", user); err != nil || !strings.Contains(v, key) {
		t.Errorf("keychain entry %s: %v", user, err)
	}
	ok(t, cfg, "", "rm", "gw")
	if _, err := keyring.Get("tokendesk", user); !errors.Is(err, keyring.ErrNotFound) {
		t.Errorf("keychain entry %s after rm: %v; want not found", user, err)
	}
}
