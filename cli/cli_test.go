package cli

import (
	"bytes"
	"encoding/json"

	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kballard/go-shellquote"

	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/storage"
)

// fixture is an Env over a temp config dir, an in-memory keychain and a
// token server that counts requests.
type fixture struct {
	t        *testing.T
	env      Env
	mem      *storage.MemoryStore
	requests atomic.Int32
	srv      *httptest.Server
}

func newFixture(t *testing.T) *fixture {
	f := &fixture{t: t, mem: &storage.MemoryStore{}}
	f.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := f.requests.Add(1)
		if r.FormValue("client_secret") != "s3cret" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(400)
			fmt.Fprint(w, `{"error":"invalid_request","error_description":"Invalid secret"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"tok-%d","token_type":"Bearer","expires_in":3600,"scope":"openid"}`, n)
	}))
	t.Cleanup(f.srv.Close)
	now := time.Now() // fixed, so times left are exact
	f.env = Env{Store: storage.Open(t.TempDir()), Keys: storage.NewKeychain(f.mem), Client: auth.NewClient(),
		Now: func() time.Time { return now }}
	return f
}

// run runs the CLI and returns stdout, stderr and the exit status.
func (f *fixture) run(stdin string, args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	env := f.env
	env.Stdin, env.Stdout, env.Stderr = strings.NewReader(stdin), &out, &errb
	code := Run(args, env)
	return out.String(), errb.String(), code
}

func (f *fixture) add(name string, extra ...string) {
	f.t.Helper()
	args := append([]string{"add", name, "--token-url", f.srv.URL + "/oauth2/token", "--client-id", "cid", "--auth-style", "body",
		"--base-url", "https://api.example.com/fhir/"}, extra...)
	if _, stderr, code := f.run("s3cret\n", args...); code != 0 {
		f.t.Fatalf("add: exit %d: %s", code, stderr)
	}
}

func TestAddTokenHeaderCurl(t *testing.T) {
	f := newFixture(t)
	f.add("prod", "--env", "prod", "--scope", "openid", "--param", "audience=x")
	out, stderr, code := f.run("", "token", "prod")
	if code != 0 || out != "tok-1\n" {
		t.Fatalf("token: %q, exit %d, %s", out, code, stderr)
	}
	if stderr != "" {
		t.Errorf("token wrote to stderr: %q", stderr)
	}
	if out, _, _ := f.run("", "token", "prod"); out != "tok-1\n" || f.requests.Load() != 1 {
		t.Errorf("second token %q after %d requests; want the cached tok-1", out, f.requests.Load())
	}
	if out, _, _ := f.run("", "token", "prod", "--fresh"); out != "tok-2\n" {
		t.Errorf("--fresh gave %q", out)
	}
	if out, _, _ := f.run("", "header", "prod"); out != "Authorization: Bearer tok-2\n" {
		t.Errorf("header %q", out)
	}
	if out, _, _ := f.run("", "curl", "prod", "R4/Patient?name=a b"); out != "curl -H 'Authorization: Bearer tok-2' 'https://api.example.com/fhir/R4/Patient?name=a%20b'\n" {
		t.Errorf("curl %q", out)
	}
	data, _ := os.ReadFile(f.env.Store.Path())
	if strings.Contains(string(data), "s3cret") || strings.Contains(string(data), "tok-") {
		t.Error("the profiles file holds a secret or a token")
	}
	if !strings.Contains(string(data), `"audience"`) {
		t.Error("the audience parameter was not saved")
	}
}

func TestTokenJSON(t *testing.T) {
	f := newFixture(t)
	f.add("p")
	out, _, code := f.run("", "token", "p", "--json")
	if code != 0 || !strings.Contains(out, `"access_token": "tok-1"`) || !strings.Contains(out, `"expires_in": 3600`) || !strings.Contains(out, `"scope": "openid"`) {
		t.Errorf("token --json: %s", out)
	}
}

func TestServerErrorExitsOne(t *testing.T) {
	f := newFixture(t)
	if _, stderr, code := f.run("wrong\n", "add", "bad", "--token-url", f.srv.URL+"/t", "--client-id", "c", "--auth-style", "body"); code != 0 {
		t.Fatal(stderr)
	}
	out, stderr, code := f.run("", "token", "bad")
	if code != 1 || out != "" || !strings.Contains(stderr, "invalid_request: Invalid secret") {
		t.Errorf("got exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	if strings.Contains(stderr, "wrong") {
		t.Error("stderr shows the secret")
	}
}

func TestUsageErrors(t *testing.T) {
	f := newFixture(t)
	f.add("dup")
	tests := []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"token"}, "accepts 1 arg"},
		{"", []string{"nope"}, "unknown command"},
		{"", []string{"add", "x", "--bogus"}, "unknown flag"},
		{"s\n", []string{"add", "dup", "--token-url", "https://a.example/t", "--client-id", "c"}, "already exists"},
		{"", []string{"add", "x", "--token-url", "https://a.example/t", "--client-id", "c"}, "no client secret"},
		{"s\n", []string{"add", "x", "--token-url", "http://a.example/t", "--client-id", "c"}, "clear text"},
		{"s\n", []string{"add", "x", "--token-url", "https://a.example/t", "--client-id", "c", "--param", "novalue"}, "want key=value"},
	}
	for _, tt := range tests {
		_, stderr, code := f.run(tt.stdin, tt.args...)
		if code != 2 || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tt.args, code, stderr, tt.want)
		}
	}
	if _, stderr, code := f.run("", "token", "missing"); code != 1 || !strings.Contains(stderr, `no profile named "missing"`) {
		t.Errorf("missing profile: exit %d, %q", code, stderr)
	}
}

func TestEditChangesOnlyGivenFlags(t *testing.T) {
	f := newFixture(t)
	f.add("p", "--env", "prod", "--scope", "openid")
	f.run("", "token", "p")
	if _, stderr, code := f.run("", "edit", "p", "--scope", "a b", "--name", "q"); code != 0 {
		t.Fatal(stderr)
	}
	file, _ := f.env.Store.Load()
	p, err := file.ByName("q")
	if err != nil || p.Env != "prod" || strings.Join(p.Scopes, ",") != "a,b" || p.ClientID != "cid" {
		t.Fatalf("after edit: %+v %v", p, err)
	}
	if _, err := f.env.Keys.Token(p.ID); err == nil {
		t.Error("a scope change kept the cached token")
	}
	if s, _ := f.env.Keys.ClientSecret(p.ID); s != "s3cret" {
		t.Error("rename lost the secret")
	}
	if _, _, code := f.run("n3w\n", "edit", "q", "--secret-stdin"); code != 0 {
		t.Fatal("edit --secret-stdin failed")
	}
	if s, _ := f.env.Keys.ClientSecret(p.ID); s != "n3w" {
		t.Errorf("secret after --secret-stdin: %q", s)
	}
}

func TestRmForgetsEverything(t *testing.T) {
	f := newFixture(t)
	f.add("p")
	f.run("", "token", "p")
	if f.mem.Len() != 2 {
		t.Fatalf("keychain holds %d entries; want secret and token", f.mem.Len())
	}
	if _, stderr, code := f.run("", "rm", "p"); code != 0 {
		t.Fatal(stderr)
	}
	if f.mem.Len() != 0 {
		t.Errorf("rm left %d keychain entries", f.mem.Len())
	}
}

func TestListShowsState(t *testing.T) {
	f := newFixture(t)
	f.add("a", "--env", "local")
	f.add("b", "--env", "prod")
	f.run("", "token", "a")
	out, _, code := f.run("", "list")
	if code != 0 || !strings.Contains(out, "valid ") || !strings.Contains(out, "no token") {
		t.Errorf("list:\n%s", out)
	}
	out, _, _ = f.run("", "list", "--json")
	if !strings.Contains(out, `"secondsLeft": 3600`) || strings.Contains(out, "tok-") {
		t.Errorf("list --json:\n%s", out)
	}
}

func TestNoWindowWithoutOpener(t *testing.T) {
	f := newFixture(t)
	opened := false
	f.env.OpenWindow = func() error { opened = true; return nil }
	if _, _, code := f.run(""); code != 0 || !opened {
		t.Errorf("no arguments: exit %d, opened %v", code, opened)
	}
}

func TestHTTPieEnvExec(t *testing.T) {
	f := newFixture(t)
	f.add("p")
	out, stderr, code := f.run("", "httpie", "p", "R4/Patient")
	if code != 0 || out != "http GET https://api.example.com/fhir/R4/Patient 'Authorization:Bearer tok-1'\n" {
		t.Errorf("httpie: %q, %d, %s", out, code, stderr)
	}
	out, _, code = f.run("", "env", "p")
	words, err := shellquote.Split(out)
	if code != 0 || err != nil {
		t.Fatalf("env: %q, %v", out, err)
	}
	got := strings.Join(words, " ")
	for _, want := range []string{"export ACCESS_TOKEN=tok-1", "export TOKEN_TYPE=Bearer", "export TOKEN_EXPIRES_AT=", "export BASE_URL=https://api.example.com/fhir/"} {
		if !strings.Contains(got, want) {
			t.Errorf("env output %q lacks %q", got, want)
		}
	}
	out, _, code = f.run("", "exec", "p", "--", "sh", "-c", `printf '%s %s' "$ACCESS_TOKEN" "$BASE_URL"`)
	if code != 0 || out != "tok-1 https://api.example.com/fhir/" {
		t.Errorf("exec: %q, %d", out, code)
	}
	if _, _, code := f.run("", "exec", "p", "--", "sh", "-c", "exit 3"); code != 3 {
		t.Errorf("exec of a failing command: exit %d; want 3", code)
	}
	if _, _, code := f.run("", "exec", "p", "sh"); code != 2 {
		t.Errorf("exec without --: exit %d; want 2", code)
	}
	if f.requests.Load() != 1 {
		t.Errorf("%d token requests; want 1 (env and exec reuse the cached token)", f.requests.Load())
	}
}

func TestExportImportProfiles(t *testing.T) {
	f := newFixture(t)
	f.add("shared", "--env", "staging", "--scope", "openid")
	f.run("", "token", "shared")
	out, _, code := f.run("", "export", "profiles")
	if code != 0 || strings.Contains(out, "s3cret") || strings.Contains(out, "tok-") || strings.Contains(out, `"id"`) {
		t.Fatalf("export: exit %d:\n%s", code, out)
	}
	// Only the profiles named, as the README's team setup does.
	f.add("other")
	named, stderr, code := f.run("", "export", "profiles", "shared")
	if code != 0 || !strings.Contains(named, `"shared"`) || strings.Contains(named, `"other"`) {
		t.Errorf("export profiles shared: exit %d, %s:\n%s; want shared only", code, stderr, named)
	}
	if _, _, code := f.run("", "export", "profiles", "nosuch"); code != 2 {
		t.Errorf("export profiles nosuch: exit %d; want 2", code)
	}
	// A teammate's machine: another config dir and keychain.
	g := newFixture(t)
	g.add("mine")
	_, stderr, code = g.run(out, "import", "profiles", "-")
	if code != 0 || !strings.Contains(stderr, `Imported "shared"`) {
		t.Fatalf("import: exit %d, %s", code, stderr)
	}
	file, _ := g.env.Store.Load()
	p, err := file.ByName("shared")
	if err != nil || p.Env != "staging" || p.ID == "" {
		t.Fatalf("imported %+v, %v", p, err)
	}
	if _, stderr, code := g.run("", "token", "shared"); code != 1 || !strings.Contains(stderr, "client secret missing") ||
		!strings.Contains(stderr, "(tokendesk edit shared --secret-stdin)") {
		t.Errorf("token of an imported profile: exit %d, %s", code, stderr)
	}
	if _, stderr, _ := g.run(out, "import", "profiles", "-"); !strings.Contains(stderr, "Skipped shared") {
		t.Errorf("a second import did not skip the existing name: %s", stderr)
	}
}

func TestExportPostman(t *testing.T) {
	f := newFixture(t)
	f.add("prod")
	for _, withSecret := range []bool{false, true} {
		args := []string{"export", "postman", "prod"}
		if withSecret {
			args = append(args, "--include-secret")
		}
		out, stderr, code := f.run("", args...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var env struct {
			Name   string `json:"name"`
			Scope  string `json:"_postman_variable_scope"`
			Values []struct {
				Key, Value, Type string
				Enabled          bool
			} `json:"values"`
		}
		if err := json.Unmarshal([]byte(out), &env); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, v := range env.Values {
			got[v.Key] = v.Type + ":" + v.Value
		}
		if env.Scope != "environment" || got["baseUrl"] != "default:https://api.example.com/fhir/" || got["clientId"] != "default:cid" ||
			got["accessToken"] != "secret:tok-1" || !strings.HasPrefix(got["tokenUrl"], "default:http://127.0.0.1") {
			t.Errorf("environment %s: %v", env.Name, got)
		}
		if _, has := got["clientSecret"]; has != withSecret || (withSecret && got["clientSecret"] != "secret:s3cret") {
			t.Errorf("include-secret=%v: clientSecret %q", withSecret, got["clientSecret"])
		}
	}
}

// writeMedplum writes a Medplum CLI 5.x profile file: "options" is a JSON
// string, "activeLogin" holds tokens that must never be imported.
func writeMedplum(t *testing.T, dir, name string, options map[string]string) string {
	t.Helper()
	inner, _ := json.Marshal(options)
	login, _ := json.Marshal(map[string]string{"accessToken": "login-token-never-import", "refreshToken": "r"})
	data, _ := json.Marshal(map[string]string{"options": string(inner), "activeLogin": string(login)})
	path := filepath.Join(dir, name+".json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestImportMedplum(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	dev := writeMedplum(t, dir, "dev", map[string]string{"name": "dev", "baseUrl": "http://localhost:8103", "authType": "client-credentials",
		"clientId": "dev-id", "clientSecret": "dev-plain-secret", "fhirUrlPath": "fhir/R4"})
	writeMedplum(t, dir, "prod", map[string]string{"name": "prod", "baseUrl": "https://api.medplum.com/", "authType": "client-credentials",
		"clientId": "prod-id", "clientSecret": "prod-plain-secret", "tokenUrl": "https://api.medplum.com/oauth2/token", "scope": "openid system/*.read", "audience": "https://x"})
	writeMedplum(t, dir, "me", map[string]string{"name": "me", "baseUrl": "https://api.medplum.com/", "authType": "authorization-code"})
	writeMedplum(t, dir, "odd", map[string]string{"name": "odd", "baseUrl": "https://api.medplum.com/", "authType": "jwt-bearer"})

	_, stderr, code := f.run("", "import", "medplum", "--dir", dir)
	if code != 0 || !strings.Contains(stderr, `Imported "dev"`) || !strings.Contains(stderr, `Imported "prod"`) ||
		!strings.Contains(stderr, `Imported "me"`) || !strings.Contains(stderr, "tokendesk login me") ||
		!strings.Contains(stderr, "Skipped odd.json") || !strings.Contains(stderr, "--remove-secrets") {
		t.Fatalf("import: exit %d:\n%s", code, stderr)
	}
	file, _ := f.env.Store.Load()
	d, _ := file.ByName("dev")
	p, _ := file.ByName("prod")
	if d.TokenURL != "http://localhost:8103/oauth2/token" || d.BaseURL != "http://localhost:8103/" || d.Env != "local" {
		t.Errorf("dev: %+v", d)
	}
	if p.TokenURL != "https://api.medplum.com/oauth2/token" || strings.Join(p.Scopes, " ") != "openid system/*.read" || p.Params.Get("audience") != "https://x" {
		t.Errorf("prod: %+v", p)
	}
	if me, _ := file.ByName("me"); me.Grant != model.GrantAuthorizationCode || me.ClientID != "medplum-cli" || me.Style() != model.AuthNone ||
		me.AuthorizeURL != "https://api.medplum.com/oauth2/authorize" || me.RedirectURI != "http://localhost:9615" {
		t.Errorf("me: %+v; want Medplum's sign-in as medplum-cli on http://localhost:9615", me)
	}
	if s, _ := f.env.Keys.ClientSecret(d.ID); s != "dev-plain-secret" {
		t.Error("dev's secret is not in the keychain")
	}
	if data, _ := os.ReadFile(dev); !strings.Contains(string(data), "dev-plain-secret") {
		t.Error("the source file changed without --remove-secrets")
	}
	if data, _ := os.ReadFile(f.env.Store.Path()); strings.Contains(string(data), "plain-secret") || strings.Contains(string(data), "login-token") {
		t.Error("a secret or the CLI's login reached the profiles file")
	}

	// The follow-up the import suggests: --remove-secrets on what was
	// imported takes the secrets out of the files, leaving the rest.
	if _, stderr, code := f.run("", "import", "medplum", "--dir", dir, "--remove-secrets"); code != 0 || !strings.Contains(stderr, "was imported before; removed") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	data, _ := os.ReadFile(dev)
	if strings.Contains(string(data), "dev-plain-secret") || !strings.Contains(string(data), "dev-id") || !strings.Contains(string(data), "login-token-never-import") {
		t.Errorf("after --remove-secrets:\n%s", data)
	}
}

func TestTestCall(t *testing.T) {
	f := newFixture(t)
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok-1" {
			http.Error(w, `{"issue":"unauthorized"}`, http.StatusUnauthorized)
			return
		}
		fmt.Fprint(w, `{"profile":{"reference":"ClientApplication/1"}}`)
	}))
	defer api.Close()
	f.add("p", "--base-url", api.URL+"/", "--probe-path", "auth/me")
	out, stderr, code := f.run("", "test", "p")
	if code != 0 || !strings.Contains(out, "/auth/me → 200 OK in") || !strings.Contains(out, "ClientApplication/1") {
		t.Errorf("test: exit %d, %q, %s", code, out, stderr)
	}
	f.run("", "token", "p", "--fresh") // tok-2: the API refuses it
	out, _, code = f.run("", "test", "p")
	if code != 1 || !strings.Contains(out, "401 Unauthorized") {
		t.Errorf("test with a refused token: exit %d, %q", code, out)
	}
	g := newFixture(t)
	g.add("noprobe", "--base-url", "")
	if _, stderr, code := g.run("", "test", "noprobe"); code != 2 || !strings.Contains(stderr, "no probe path") {
		t.Errorf("no probe path: exit %d, %s", code, stderr)
	}
}
