package cli

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/tokendesk/tokendesk/model"
)

// A secret header's value goes to the keychain, never to profiles.json;
// the commands that carry the token carry it, the shareable token request
// names a shell variable instead, and rm forgets it.
func TestSecretHeaders(t *testing.T) {
	const key, gw = "api-key-value-9f8e", "gateway-key-value-1a2b"
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.Header.Get("X-Gateway-Key"))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"tok-sh","token_type":"Bearer","expires_in":3600}`)
	}))
	t.Cleanup(srv.Close)
	f := newFixture(t)
	_, stderr, code := f.run("s3cret\n"+key+"\n"+gw+"\n", "add", "gw", "--token-url", srv.URL+"/token", "--client-id", "cid",
		"--base-url", "https://api.example.com/", "--header", "X-Plain: visible",
		"--secret-header", "X-Api-Key", "--secret-token-header", "X-Gateway-Key")
	if code != 0 {
		t.Fatalf("add: exit %d: %s", code, stderr)
	}
	file, err := os.ReadFile(f.env.Store.Path())
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(file), key) || strings.Contains(string(file), gw) {
		t.Fatalf("a secret header value reached profiles.json:\n%s", file)
	}
	if !strings.Contains(string(file), "X-Api-Key") || !strings.Contains(string(file), "visible") {
		t.Errorf("the headers themselves are missing from profiles.json:\n%s", file)
	}

	// The token request carries the secret token header.
	if out, stderr, code := f.run("", "token", "gw"); code != 0 || out != "tok-sh\n" {
		t.Fatalf("token: %q, exit %d: %s", out, code, stderr)
	}
	if len(seen) != 1 || seen[0] != gw {
		t.Errorf("the token endpoint saw X-Gateway-Key %q", seen)
	}
	// The command that carries the token carries the values too.
	out, stderr, code := f.run("", "curl", "gw")
	if code != 0 || !strings.Contains(out, "'X-Api-Key: "+key+"'") || !strings.Contains(out, "'X-Plain: visible'") {
		t.Errorf("curl: %q, exit %d: %s", out, code, stderr)
	}
	// The shareable token request leaves the value to the shell.
	out, _, code = f.run("", "curl", "gw", "--token-request")
	if code != 0 || strings.Contains(out, gw) || !strings.Contains(out, `'X-Gateway-Key: '"$X_GATEWAY_KEY"`) {
		t.Errorf("token request: %q, exit %d", out, code)
	}

	// A new value of the token-request header retires the cached token.
	if _, stderr, code := f.run("other-value-3c4d\n", "edit", "gw", "--secret-token-header", "X-Gateway-Key"); code != 0 {
		t.Fatalf("edit: exit %d: %s", code, stderr)
	}
	if _, _, code := f.run("", "token", "gw"); code != 0 || len(seen) != 2 || seen[1] != "other-value-3c4d" {
		t.Errorf("after a new gateway key: exit %d, the endpoint saw %q", code, seen)
	}
	// Other flags keep the values.
	if _, stderr, code := f.run("", "edit", "gw", "--header", ""); code != 0 {
		t.Fatalf("edit: exit %d: %s", code, stderr)
	}
	if out, _, _ := f.run("", "curl", "gw"); !strings.Contains(out, key) || strings.Contains(out, "X-Plain") {
		t.Errorf("curl after --header '': %q", out)
	}
	// A value on the command line (where every local user can read it) or
	// a malformed name is refused without echoing it; so is a missing value.
	for _, arg := range []string{"X-Other: " + key, "X-Other=" + key} {
		if _, stderr, code := f.run("", "edit", "gw", "--secret-header", arg); code != 2 || strings.Contains(stderr, key) {
			t.Errorf("--secret-header %q: exit %d: %s; want 2, the value not shown", arg, code, stderr)
		}
	}
	if _, stderr, code := f.run("", "edit", "gw", "--secret-header", "X-Other"); code != 2 || !strings.Contains(stderr, "X-Other") {
		t.Errorf("--secret-header without a value on stdin: exit %d: %s; want 2", code, stderr)
	}

	// Clearing drops the keychain entries with the headers.
	if _, stderr, code := f.run("", "edit", "gw", "--secret-header", ""); code != 0 {
		t.Fatalf("edit: exit %d: %s", code, stderr)
	}
	vals, _ := f.env.Keys.HeaderValues(f.saved("gw").ID)
	if _, ok := vals["X-Api-Key"]; ok || vals["X-Gateway-Key"] != "other-value-3c4d" {
		t.Errorf("after --secret-header '': keychain holds %v", keysOf(vals))
	}
	// rm forgets everything.
	if _, stderr, code := f.run("", "rm", "gw"); code != 0 {
		t.Fatalf("rm: exit %d: %s", code, stderr)
	}
	if n := f.mem.Len(); n != 0 {
		t.Errorf("rm left %d keychain entries", n)
	}
}

// A profile from another machine has its secret headers but not their
// values: the commands say which one to enter again.
func TestSecretHeaderMissing(t *testing.T) {
	f := newFixture(t)
	if _, stderr, code := f.run("s3cret\nv-1\n", "add", "moved", "--token-url", f.srv.URL+"/oauth2/token", "--client-id", "cid",
		"--auth-style", "body", "--base-url", "https://api.example.com/", "--secret-header", "X-Api-Key"); code != 0 {
		t.Fatalf("add: exit %d: %s", code, stderr)
	}
	p := f.saved("moved")
	if err := f.env.Keys.SetHeaderValues(p.ID, nil); err != nil {
		t.Fatal(err)
	}
	_, stderr, code := f.run("", "curl", "moved")
	if code != 1 || !strings.Contains(stderr, "X-Api-Key") || !strings.Contains(stderr, "--secret-header") {
		t.Errorf("curl: exit %d: %s", code, stderr)
	}
	if _, err := f.env.Keys.Resolve(p); !errors.Is(err, model.ErrHeaderMissing) {
		t.Errorf("Resolve: %v", err)
	}
}

func keysOf(m map[string]string) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}
