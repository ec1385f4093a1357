package integration

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/zalando/go-keyring"
)

// The test binary is also the $BROWSER of the sign-in tests: run with
// TOKENDESK_IT_BROWSER=1 and a URL, it follows the URL as a person's
// browser would — redirects, cookies, and the sign-in and consent forms,
// filled in — until the redirect lands on Token Desk's loopback listener.
const browserEnv = "TOKENDESK_IT_BROWSER"

func browserMode() (string, bool) {
	if os.Getenv(browserEnv) == "" || len(os.Args) < 2 {
		return "", false
	}
	return os.Args[len(os.Args)-1], true
}

// asBrowser is the environment that makes tokendesk open this binary as its
// browser.
func asBrowser(t *testing.T) []string {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return []string{"BROWSER=" + exe, browserEnv + "=1"}
}

var (
	formRe  = regexp.MustCompile(`(?is)<form[^>]*action="([^"]*)"[^>]*>(.*?)</form>`)
	inputRe = regexp.MustCompile(`(?is)<input[^>]*>`)
	attrRe  = regexp.MustCompile(`(?i)\b(name|value|type)="([^"]*)"`)
)

// runBrowser follows start and fills in the forms it meets: a login name
// and password, and the hidden fields of consent and device confirmation
// forms. It prints what it saw to stderr (the test's log) and exits 0 when
// a page of Token Desk's says the sign-in worked.
func runBrowser(start string) int {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := c.Get(start)
	for step := 0; step < 12; step++ {
		if err != nil {
			fmt.Fprintln(os.Stderr, "browser:", err)
			return 1
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page := string(body)
		if strings.Contains(page, "Token Desk") {
			if resp.StatusCode == http.StatusOK {
				return 0
			}
			fmt.Fprintln(os.Stderr, "browser: Token Desk said:", page)
			return 1
		}
		m := formRe.FindStringSubmatch(page)
		if m == nil {
			if strings.Contains(strings.ToLower(page), "success") {
				return 0 // the device flow ends on the server's own page
			}
			fmt.Fprintf(os.Stderr, "browser: %s %s: no form in %q\n", resp.Request.URL, resp.Status, page)
			return 1
		}
		form := url.Values{}
		for _, in := range inputRe.FindAllString(m[2], -1) {
			a := map[string]string{}
			for _, kv := range attrRe.FindAllStringSubmatch(in, -1) {
				a[strings.ToLower(kv[1])] = kv[2]
			}
			switch {
			case a["name"] == "":
			case a["name"] == "login":
				form.Set("login", "alice")
			case a["name"] == "password":
				form.Set("password", "any")
			case a["type"] == "hidden" || a["value"] != "":
				form.Set(a["name"], a["value"])
			}
		}
		action, _ := resp.Request.URL.Parse(m[1])
		resp, err = c.PostForm(action.String(), form)
	}
	fmt.Fprintln(os.Stderr, "browser: too many pages")
	return 1
}

// consent is Hydra's login and consent app for the tests: it accepts every
// login as alice (or rejects it when the login hint says deny) and grants
// every scope asked for, through Hydra's admin API.
var consent *httptest.Server

func hydraSignInEnv() []string {
	consent = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var kind, challenge string
		switch r.URL.Path {
		case "/login":
			kind, challenge = "login", r.URL.Query().Get("login_challenge")
		case "/consent":
			kind, challenge = "consent", r.URL.Query().Get("consent_challenge")
		default:
			http.NotFound(w, r)
			return
		}
		q := url.Values{kind + "_challenge": {challenge}}.Encode()
		var req struct {
			Scopes   []string `json:"requested_scope"`
			Audience []string `json:"requested_access_token_audience"`
			Context  struct {
				LoginHint string `json:"login_hint"`
			} `json:"oidc_context"`
		}
		if err := adminJSON(http.MethodGet, "/admin/oauth2/auth/requests/"+kind+"?"+q, nil, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		verb, body := "accept", map[string]any{"subject": "alice", "remember": false}
		switch {
		case kind == "login" && req.Context.LoginHint == "deny":
			verb, body = "reject", map[string]any{"error": "access_denied", "error_description": "The person said no"}
		case kind == "consent":
			body = map[string]any{"grant_scope": req.Scopes, "grant_access_token_audience": req.Audience,
				"session": map[string]any{"id_token": map[string]any{"name": "Alice Example", "email": "alice@example.com"}}}
		}
		var out struct {
			RedirectTo string `json:"redirect_to"`
		}
		if err := adminJSON(http.MethodPut, "/admin/oauth2/auth/requests/"+kind+"/"+verb+"?"+q, body, &out); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		http.Redirect(w, r, out.RedirectTo, http.StatusFound)
	}))
	return []string{"URLS_LOGIN=" + consent.URL + "/login", "URLS_CONSENT=" + consent.URL + "/consent"}
}

// adminJSON calls Hydra's admin API.
func adminJSON(method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, env.admin+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s %s", method, path, resp.Status, data)
	}
	return json.Unmarshal(data, out)
}

// hydraPublicClient registers a public native client for the
// authorization code grant with refresh tokens.
func hydraPublicClient(t *testing.T) string {
	t.Helper()
	var out struct {
		ClientID string `json:"client_id"`
	}
	err := adminJSON(http.MethodPost, "/admin/clients", map[string]any{
		"grant_types":                []string{"authorization_code", "refresh_token"},
		"response_types":             []string{"code"},
		"token_endpoint_auth_method": "none",
		"redirect_uris":              []string{"http://127.0.0.1/callback"},
		"scope":                      "openid offline_access read",
	}, &out)
	if err != nil {
		t.Fatal(err)
	}
	return out.ClientID
}

// signInEntry reads the sign-in the keychain holds for a profile.
func signInEntry(t *testing.T, cfg, name string) (id string, si map[string]any) {
	t.Helper()
	var rows []map[string]any
	if err := json.Unmarshal([]byte(ok(t, cfg, "", "list", "--json")), &rows); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		if r["name"] == name {
			id = r["id"].(string)
		}
	}
	raw, err := keyring.Get("tokendesk", id+"/refresh-token")
	if err != nil {
		return id, nil
	}
	if err := json.Unmarshal([]byte(raw), &si); err != nil {
		t.Fatal(err)
	}
	return id, si
}

// expireCached moves the cached access token's expiry into the past, as
// time would.
func expireCached(t *testing.T, id string) {
	t.Helper()
	raw, err := keyring.Get("tokendesk", id+"/token")
	if err != nil {
		t.Fatal(err)
	}
	var tok map[string]any
	if err := json.Unmarshal([]byte(raw), &tok); err != nil {
		t.Fatal(err)
	}
	tok["expiry"] = time.Now().Add(-time.Minute).Format(time.RFC3339)
	b, _ := json.Marshal(tok)
	if err := keyring.Set("tokendesk", id+"/token", string(b)); err != nil {
		t.Fatal(err)
	}
}

// The authorization code grant with PKCE against Hydra, through the built
// binary and its $BROWSER: sign-in, silent refresh with a rotated refresh
// token, sign-out that revokes it.
func TestSignInWithHydra(t *testing.T) {
	need(t)
	cfg := t.TempDir()
	id := addHydraSignIn(t, cfg, "--scope", "openid offline_access read")

	r := cli(t, cfg, "", "token", "me")
	if r.code != 1 || !strings.Contains(r.stderr, "sign-in needed") || !strings.Contains(r.stderr, "run: tokendesk login me") {
		t.Fatalf("token before login: exit %d, stderr %q; want 1 and 'run: tokendesk login me'", r.code, r.stderr)
	}
	var rows []map[string]any
	_ = json.Unmarshal([]byte(ok(t, cfg, "", "list", "--json")), &rows)
	if got := fmt.Sprint(rows[0]["grant"], " ", rows[0]["state"], " ", rows[0]["signedIn"]); got != "authorization_code sign-in needed false" {
		t.Errorf("list --json before login: %s; want authorization_code sign-in needed false", got)
	}

	r = cliEnv(t, asBrowser(t), cfg, "", "login", "me")
	if r.code != 0 || r.stdout != "Signed in to me as Alice Example.\n" {
		t.Fatalf("login: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	tok := strings.TrimSpace(ok(t, cfg, "", "token", "me"))
	if info := introspect(t, tok); info["active"] != true || info["sub"] != "alice" || info["client_id"] != id {
		t.Fatalf("introspection of the signed-in token: active=%v sub=%v client_id=%v", info["active"], info["sub"], info["client_id"])
	}
	pid, si := signInEntry(t, cfg, "me")
	first, _ := si["refresh_token"].(string)
	if first == "" {
		t.Fatal("no refresh token in the keychain after login")
	}
	if strings.Contains(ok(t, cfg, "", "list", "--json"), first) {
		t.Error("list --json shows the refresh token")
	}

	// The access token expires: the next call refreshes silently, and
	// Hydra rotates the refresh token.
	expireCached(t, pid)
	renewed := strings.TrimSpace(ok(t, cfg, "", "token", "me"))
	if renewed == tok || introspect(t, renewed)["active"] != true {
		t.Fatal("an expired access token was not renewed with the refresh token")
	}
	_, si = signInEntry(t, cfg, "me")
	second, _ := si["refresh_token"].(string)
	if second == "" || second == first {
		t.Fatal("the rotated refresh token did not replace the old one in the keychain")
	}
	if introspect(t, second)["active"] != true {
		t.Error("the stored refresh token is not active at Hydra")
	}

	r = cli(t, cfg, "", "logout", "me")
	if r.code != 0 || !strings.Contains(r.stderr, "refresh token is revoked") {
		t.Fatalf("logout: exit %d, stderr %q", r.code, r.stderr)
	}
	if introspect(t, second)["active"] != false {
		t.Error("the refresh token is still active after logout")
	}
	if _, si = signInEntry(t, cfg, "me"); si != nil {
		t.Error("the sign-in is still in the keychain after logout")
	}
	if r = cli(t, cfg, "", "token", "me"); r.code != 1 || !strings.Contains(r.stderr, "run: tokendesk login me") {
		t.Errorf("token after logout: exit %d, stderr %q; want 1 and the advice to log in", r.code, r.stderr)
	}
	for _, out := range recorded {
		for _, secret := range []string{first, second, tok, renewed} {
			if strings.Contains(out.stdout+out.stderr, secret) && out.stdout != tok+"\n" && out.stdout != renewed+"\n" {
				t.Error("a token was printed where it was not asked for")
			}
		}
	}
}

// A refresh token the server no longer honours makes the profile need a
// sign-in, with exit 1 and the advice; --login would start one.
func TestRevokedRefreshNeedsSignIn(t *testing.T) {
	need(t)
	cfg := t.TempDir()
	id := addHydraSignIn(t, cfg, "--scope", "openid offline_access")
	if r := cliEnv(t, asBrowser(t), cfg, "", "login", "me"); r.code != 0 {
		t.Fatalf("login: exit %d: %s", r.code, r.stderr)
	}
	pid, si := signInEntry(t, cfg, "me")
	resp, err := http.PostForm(env.public+"/oauth2/revoke", url.Values{"token": {si["refresh_token"].(string)}, "client_id": {id}})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("revoke at Hydra: %v %v", err, resp.Status)
	}
	resp.Body.Close()
	expireCached(t, pid)
	r := cli(t, cfg, "", "token", "me")
	if r.code != 1 || !strings.Contains(r.stderr, "sign-in needed") || !strings.Contains(r.stderr, "invalid_grant") || !strings.Contains(r.stderr, "run: tokendesk login me") {
		t.Errorf("token with a revoked refresh token: exit %d, stderr %q; want 1, invalid_grant and the advice", r.code, r.stderr)
	}
	// --login signs in again and hands out the token.
	r = cliEnv(t, asBrowser(t), cfg, "", "token", "me", "--login")
	if r.code != 0 || introspect(t, strings.TrimSpace(r.stdout))["active"] != true {
		t.Errorf("token --login: exit %d, stderr %q", r.code, r.stderr)
	}
}

// A person who refuses the sign-in gets the server's access_denied, and no
// token.
func TestSignInDenied(t *testing.T) {
	need(t)
	cfg := t.TempDir()
	addHydraSignIn(t, cfg, "--param", "login_hint=deny", "--scope", "openid")
	r := cliEnv(t, asBrowser(t), cfg, "", "login", "me")
	if r.code != 1 || !strings.Contains(r.stderr, "access_denied") || !strings.Contains(r.stderr, "The person said no") {
		t.Errorf("login refused: exit %d, stderr %q; want 1 with access_denied", r.code, r.stderr)
	}
	if _, si := signInEntry(t, cfg, "me"); si != nil {
		t.Error("a refused sign-in left a sign-in in the keychain")
	}
}

// refreshRefused says the server refuses rt for clientID: revoked.
func refreshRefused(t *testing.T, tokenURL, clientID, rt string) bool {
	t.Helper()
	resp, err := http.PostForm(tokenURL, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {clientID}})
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode == http.StatusBadRequest && strings.Contains(string(body), "invalid_grant")
}

// oidc-provider through the built binary: a public native client on a
// free loopback port, a confidential one on a fixed redirect URI, and the
// device flow; each signs in with the development login form, refreshes
// and signs out with revocation.
func TestSignInWithOIDCProvider(t *testing.T) {
	need(t)
	port, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	fixed := fmt.Sprintf("http://127.0.0.1:%d/cb", port)
	const webSecret = "it-web-secret-0123456789abcdef-Q7zX"
	issuer := startOIDCProvider(t, "jwt-client", "it-unused-jwt-secret-0123456789abcdef", "WEB_REDIRECT_URI="+fixed, "WEB_SECRET="+webSecret)
	tokenURL := issuer + "/token"
	cases := []struct {
		name, client, stdin, who string
		flags                    []string
	}{
		{"native", "native-app", "", "Alice Example", []string{"--grant", "authorization_code", "--authorize-url", issuer + "/auth", "--issuer", issuer}},
		{"confidential", "web-app", webSecret + "\n", "Alice Example", []string{"--grant", "authorization_code", "--authorize-url", issuer + "/auth",
			"--auth-style", "header", "--redirect-uri", fixed}},
		{"device", "device-app", "", "Alice Example", []string{"--grant", "device_code", "--device-url", issuer + "/device/auth"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := t.TempDir()
			args := append([]string{"add", tc.name, "--client-id", tc.client, "--token-url", tokenURL,
				"--scope", "openid profile email offline_access api:read"}, tc.flags...)
			ok(t, cfg, tc.stdin, args...)
			r := cliEnv(t, asBrowser(t), cfg, "", "login", tc.name)
			if want := "Signed in to " + tc.name + " as " + tc.who + ".\n"; r.code != 0 || r.stdout != want {
				t.Fatalf("login: exit %d, stdout %q (want %q), stderr %q", r.code, r.stdout, want, r.stderr)
			}
			if tc.name == "device" && !strings.Contains(r.stderr, "and enter the code: ") {
				t.Errorf("device login did not show the code: %q", r.stderr)
			}
			tok := strings.TrimSpace(ok(t, cfg, "", "token", tc.name))
			pid, si := signInEntry(t, cfg, tc.name)
			first, _ := si["refresh_token"].(string)
			if tok == "" || first == "" {
				t.Fatal("no access or refresh token after login")
			}
			expireCached(t, pid)
			if renewed := strings.TrimSpace(ok(t, cfg, "", "token", tc.name)); renewed == tok {
				t.Error("an expired access token was not renewed")
			}
			_, si = signInEntry(t, cfg, tc.name)
			current, _ := si["refresh_token"].(string)
			if current == "" {
				t.Fatal("no refresh token in the keychain after the refresh")
			}
			r = cli(t, cfg, tc.stdin, "logout", tc.name)
			if r.code != 0 || !strings.Contains(r.stderr, "refresh token is revoked") {
				t.Fatalf("logout: exit %d, stderr %q", r.code, r.stderr)
			}
			if tc.client != "web-app" && !refreshRefused(t, tokenURL, tc.client, current) {
				t.Error("the refresh token still works after logout")
			}
		})
	}
}

// Over ssh there is no browser: login --no-browser prints the URL, which
// the person opens elsewhere (here, the test's browser, in this process).
func TestSignInNoBrowserWithHydra(t *testing.T) {
	need(t)
	cfg := t.TempDir()
	addHydraSignIn(t, cfg, "--scope", "openid offline_access")
	cmd := exec.Command(env.bin, "login", "me", "--no-browser")
	// A $BROWSER that would fail the test if it were started.
	cmd.Env = append(os.Environ(), "TOKENDESK_CONFIG_DIR="+cfg, "BROWSER=/bin/false")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd.Stdout = &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stderr)
	var shown strings.Builder
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		shown.WriteString(line + "\n")
		if strings.HasPrefix(line, env.public+"/oauth2/auth?") {
			if code := runBrowser(line); code != 0 {
				t.Errorf("the browser could not follow the printed URL")
			}
			break
		}
	}
	go func() { _, _ = io.Copy(io.Discard, stderr) }()
	if err := cmd.Wait(); err != nil || out.String() != "Signed in to me as Alice Example.\n" {
		t.Errorf("login --no-browser: %v, stdout %q, stderr so far %q", err, out.String(), shown.String())
	}
	if tok := strings.TrimSpace(ok(t, cfg, "", "token", "me")); introspect(t, tok)["active"] != true {
		t.Error("no active token after signing in with the printed URL")
	}
}

// addHydraSignIn adds the profile "me" in cfg: authorization code with
// PKCE for a new public client of Hydra's, with extra flags; it returns
// the client's ID.
func addHydraSignIn(t *testing.T, cfg string, extra ...string) string {
	t.Helper()
	id := hydraPublicClient(t)
	ok(t, cfg, "", append([]string{"add", "me", "--grant", "authorization_code", "--client-id", id,
		"--token-url", env.tokenURL, "--authorize-url", env.public + "/oauth2/auth"}, extra...)...)
	return id
}
