package integration

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokendesk/tokendesk/internal/safetext"
)

// TestServerTextCannotDriveTheTerminal: a token server that puts escape
// sequences (clear the screen, set the window title, move up and
// overwrite a line) and bidi marks in every field it answers with cannot
// get them to the terminal through any command; they arrive escaped.
func TestServerTextCannotDriveTheTerminal(t *testing.T) {
	need(t)
	const evil = `\u001b[2J\u001b]0;owned\u0007\u001b[1A\r\u202e\u009b`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case "/error":
			w.WriteHeader(400)
			fmt.Fprintf(w, `{"error":"invalid_client%s","error_description":"bad%s"}`, evil, evil)
		case "/scope":
			fmt.Fprintf(w, `{"access_token":"tok","token_type":"Bearer","expires_in":3600,"scope":"read%s write"}`, evil)
		case "/token":
			fmt.Fprintf(w, `{"access_token":"tok%s","token_type":"Bearer%s","expires_in":3600}`, evil, evil)
		case "/.well-known/openid-configuration":
			fmt.Fprintf(w, `{"issuer":"x%s","token_endpoint":"http://%s/token%s","grant_types_supported":["client_credentials%s"],"scopes_supported":["a%s"]}`,
				evil, r.Host, evil, evil, evil)
		default:
			w.WriteHeader(404)
		}
	}))
	defer srv.Close()
	cfg := t.TempDir()
	for _, p := range []string{"error", "scope", "token"} {
		ok(t, cfg, "hostile-secret\n", "add", p, "--token-url", srv.URL+"/"+p, "--client-id", "c", "--scope", "read", "--base-url", srv.URL+"/api/")
	}
	tests := []struct {
		args []string
		want string // escaped, on stdout or stderr; empty: whatever is said
	}{
		{[]string{"token", "error"}, `bad\x1b[2J\x1b]0;owned\a\x1b[1A\r\u202e\u009b`},
		{[]string{"token", "scope"}, ""},
		{[]string{"token", "token", "--fresh"}, ""}, // printed escaped, or refused
		{[]string{"token", "token", "--json"}, ""},
		{[]string{"header", "token"}, ""},
		{[]string{"env", "token"}, ""},
		{[]string{"curl", "token", "x"}, ""},
		{[]string{"httpie", "token", "x"}, ""},
		{[]string{"list"}, ""},
		{[]string{"list", "--json"}, ""},
		// Refused (the issuer is not the URL's), the issuer named escaped.
		{[]string{"discover", srv.URL}, `x\x1b[2J\x1b]0;owned\a`},
		{[]string{"discover", srv.URL, "--json"}, `x\x1b[2J\x1b]0;owned\a`},
	}
	for _, tt := range tests {
		r := cli(t, cfg, "", tt.args...)
		all := r.stdout + r.stderr
		if safetext.Unsafe(strings.ReplaceAll(all, "\n", "")) {
			t.Errorf("tokendesk %s: a control character reached the terminal raw:\n%q", strings.Join(tt.args, " "), all)
		}
		if !strings.Contains(all, tt.want) {
			t.Errorf("tokendesk %s: got %q; want %q in it", strings.Join(tt.args, " "), all, tt.want)
		}
		if strings.Contains(all, "hostile-secret") {
			t.Errorf("tokendesk %s: the output shows the secret", strings.Join(tt.args, " "))
		}
	}
}

// TestImportedNameIsQuotedInSuggestion: a shared file's profile named
// $(touch pwned) is suggested as a quoted argument, and the suggested
// command, pasted into a shell, sets that profile's secret without
// running the name.
func TestImportedNameIsQuotedInSuggestion(t *testing.T) {
	need(t)
	cfg := t.TempDir()
	shared := `{"tokendeskProfiles":"1","profiles":[{"name":"$(touch pwned)","tokenUrl":"https://auth.example.com/token","clientId":"c"}]}`
	r := cli(t, cfg, shared, "import", "profiles", "-")
	want := `tokendesk edit '$(touch pwned)' --secret-stdin`
	if r.code != 0 || !strings.Contains(r.stderr, want) {
		t.Fatalf("import: exit %d, stderr %q; want 0 and %q", r.code, r.stderr, want)
	}
	_, suggested, _ := strings.Cut(strings.TrimSpace(r.stderr), "with: ")
	cwd := t.TempDir()
	sh := exec.Command("sh", "-c", suggested)
	sh.Dir = cwd
	sh.Env = append(os.Environ(), "PATH="+filepath.Dir(env.bin)+string(os.PathListSeparator)+os.Getenv("PATH"), "TOKENDESK_CONFIG_DIR="+cfg)
	sh.Stdin = strings.NewReader("pasted-secret\n")
	if out, err := sh.CombinedOutput(); err != nil {
		t.Errorf("sh -c %q: %v\n%s", suggested, err, out)
	}
	if _, err := os.Stat(filepath.Join(cwd, "pwned")); err == nil {
		t.Errorf("sh -c %q ran the name as a command", suggested)
	}
	t.Cleanup(func() { cli(t, cfg, "", "rm", "$(touch pwned)") }) // its secret out of the keychain
}
