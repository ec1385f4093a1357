package secretref

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokendesk/tokendesk/internal/passtest"
	"github.com/tokendesk/tokendesk/internal/vaulttest"
)

const secret = "s3cr3t-value-9f8e"

func TestParse(t *testing.T) {
	tests := []struct {
		in    string
		kind  Kind
		path  string
		field string
		args  []string
	}{
		{in: "op://Team/API client/credential", kind: OnePassword, path: "op://Team/API client/credential"},
		{in: "op://Team/API/section/field", kind: OnePassword, path: "op://Team/API/section/field"},
		{in: "vault://secret/team/api#client_secret", kind: Vault, path: "secret/team/api", field: "client_secret"},
		{in: "vault://kv/a/b/c#f", kind: Vault, path: "kv/a/b/c", field: "f"},
		{in: "pass://team/api", kind: Pass, path: "team/api"},
		{in: `cmd:bw get password "team api"`, kind: Command, args: []string{"bw", "get", "password", "team api"}},
		{in: "cmd:/opt/get-secret $HOME", kind: Command, args: []string{"/opt/get-secret", "$HOME"}},
	}
	for _, tt := range tests {
		r, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if r.Kind != tt.kind || r.Path != tt.path || r.Field != tt.field || strings.Join(r.Args, "|") != strings.Join(tt.args, "|") || r.String() != tt.in {
			t.Errorf("Parse(%q) = %+v; want kind %s path %q field %q args %q", tt.in, r, tt.kind, tt.path, tt.field, tt.args)
		}
	}
}

func TestParseRefuses(t *testing.T) {
	for _, in := range []string{
		"", "s3cret", "https://vault/x", "op://vault", "op://vault/item", "op://a//c", "op://a/b/c/d/e",
		"vault://secret/x", "vault://secret#f", "vault://secret/../x#f", "vault://secret//x#f",
		"pass://", "pass://-x", "pass://../x", "pass://a/../../x",
		"cmd:", "cmd:   ", `cmd:echo "unclosed`, "cmd:echo\nx", "op://a/b/c\x1b[2J",
	} {
		if r, err := Parse(in); !errors.Is(err, ErrSyntax) {
			t.Errorf("Parse(%q) = %+v, %v; want ErrSyntax", in, r, err)
		}
	}
}

func TestIs(t *testing.T) {
	for in, want := range map[string]bool{"op://a/b/c": true, "vault://x": true, "pass://x": true, "cmd:x": true, "s3cret": false, "opp://": false} {
		if got := Is(in); got != want {
			t.Errorf("Is(%q) = %v; want %v", in, got, want)
		}
	}
}

func TestDescribe(t *testing.T) {
	t.Setenv("VAULT_ADDR", "https://user:pw@vault.example:8200")
	tests := map[string]string{
		"op://Team/API/credential": "from 1Password",
		"vault://secret/a#b":       "from Vault at https://vault.example:8200",
		"pass://team/api":          "from pass",
		"cmd:/usr/bin/bw get x":    "from the command bw",
	}
	for in, want := range tests {
		r, err := Parse(in)
		if err != nil {
			t.Fatal(err)
		}
		if got := Describe(r); got != want {
			t.Errorf("Describe(%q) = %q; want %q", in, got, want)
		}
	}
}

// tool writes an executable script named name into a directory put first
// on PATH.
func tool(t *testing.T, name, script string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", dir+string(os.PathListSeparator)+os.Getenv("PATH"))
	return dir
}

// fakeOp is a stand-in for 1Password's op: it answers `op read
// --no-newline op://Team/API/credential` and nothing else, counting calls.
const fakeOp = `echo x >> "$(dirname "$0")/calls"
if [ "$#" -eq 3 ] && [ "$1" = read ] && [ "$2" = --no-newline ] && [ "$3" = "op://Team/API/credential" ]; then
  printf %s '` + secret + `'; exit 0
fi
echo "[ERROR] 2026/12/01 14:00:00 could not read secret '$3': could not find item API2 in vault Team" >&2
echo "second line" >&2
exit 1
`

func mustParse(t *testing.T, s string) Ref {
	t.Helper()
	r, err := Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func calls(t *testing.T, dir string) int {
	data, _ := os.ReadFile(filepath.Join(dir, "calls"))
	return strings.Count(string(data), "x")
}

func TestOnePassword(t *testing.T) {
	dir := tool(t, "op", fakeOp)
	var rv Resolver
	ref := mustParse(t, "op://Team/API/credential")
	for range 2 {
		got, err := rv.Resolve(t.Context(), ref)
		if err != nil || got != secret {
			t.Fatalf("Resolve = %q, %v; want the secret", got, err)
		}
	}
	if n := calls(t, dir); n != 1 {
		t.Errorf("op ran %d times for two resolutions; want 1 (kept in memory)", n)
	}
	rv.Forget(ref)
	if _, err := rv.Resolve(t.Context(), ref); err != nil || calls(t, dir) != 2 {
		t.Errorf("after Forget: %v, op ran %d times; want 2", err, calls(t, dir))
	}
	if _, err := rv.Fetch(t.Context(), ref); err != nil || calls(t, dir) != 3 {
		t.Errorf("Fetch: %v, op ran %d times; want 3 (never from memory)", err, calls(t, dir))
	}

	_, err := rv.Resolve(t.Context(), mustParse(t, "op://Team/API2/credential"))
	var re *Error
	if !errors.As(err, &re) || re.Ref != "op://Team/API2/credential" {
		t.Fatalf("err = %v; want an *Error naming the reference", err)
	}
	want := "secret reference op://Team/API2/credential: [ERROR] 2026/12/01 14:00:00 could not read secret 'op://Team/API2/credential': could not find item API2 in vault Team"
	if err.Error() != want {
		t.Errorf("err = %q;\nwant %q", err, want)
	}
}

func TestCommand(t *testing.T) {
	tool(t, "getsecret", `case "$1" in
ok) printf '%s\n' '`+secret+`' ;;
args) printf '%s|' "$@" ;;
leak) printf %s '`+secret+`'; echo "failed with `+secret+`" >&2; exit 3 ;;
fail) echo; echo "  getsecret: no entry named $2  " >&2; exit 2 ;;
empty) printf '\n' ;;
slow) exec sleep 60 ;;
esac
`)
	tests := []struct {
		ref     string
		want    string
		wantErr string
		is      error
	}{
		{ref: "cmd:getsecret ok", want: secret},
		{ref: `cmd:getsecret args "two words" $HOME ';' '|'`, want: "args|two words|$HOME|;|||"},
		{ref: "cmd:getsecret fail team-api", wantErr: "secret reference cmd:getsecret fail team-api: getsecret: no entry named team-api"},
		{ref: "cmd:getsecret leak", wantErr: "secret reference cmd:getsecret leak: getsecret: exit status 3"},
		{ref: "cmd:getsecret empty", is: ErrEmpty},
		{ref: "cmd:no-such-program-here x", is: ErrNoTool},
	}
	for _, tt := range tests {
		rv := Resolver{}
		got, err := rv.Resolve(t.Context(), mustParse(t, tt.ref))
		checkResolved(t, tt.ref, got, err, tt.want, tt.wantErr, tt.is)
		if err != nil && (got != "" || strings.Contains(err.Error(), secret)) {
			t.Errorf("%s: a failure gave %q, %q; want neither to hold the secret", tt.ref, got, err)
		}
	}

	rv := Resolver{Timeout: 50 * time.Millisecond}
	if _, err := rv.Resolve(t.Context(), mustParse(t, "cmd:getsecret slow")); !errors.Is(err, ErrTimeout) {
		t.Errorf("slow command: err = %v; want ErrTimeout", err)
	}
}

func TestCancelled(t *testing.T) {
	tool(t, "getsecret", "printf x\n")
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	var rv Resolver
	if v, err := rv.Resolve(ctx, mustParse(t, "cmd:getsecret")); err == nil {
		t.Errorf("cancelled: got %q; want an error", v)
	}
}

func TestPass(t *testing.T) {
	env := passtest.Store(t, map[string]string{"team/api": secret + "\nuser: api-client\n"})
	for _, kv := range env {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	var rv Resolver
	got, err := rv.Resolve(t.Context(), mustParse(t, "pass://team/api"))
	if err != nil || got != secret {
		t.Errorf("pass://team/api = %q, %v; want the first line", got, err)
	}
	_, err = rv.Resolve(t.Context(), mustParse(t, "pass://team/nope"))
	want := "secret reference pass://team/nope: Error: team/nope is not in the password store."
	if err == nil || err.Error() != want {
		t.Errorf("missing entry: err = %v;\nwant %s", err, want)
	}
}

func TestVault(t *testing.T) {
	srv := vaulttest.New("root-token")
	defer srv.Close()
	srv.Mount("secret/", 2)
	srv.Mount("team/kv1/", 1)
	srv.Put("secret/", "team/api", map[string]any{"client_secret": secret, "n": 3})
	srv.Put("team/kv1/", "apps/api", map[string]any{"client_secret": secret + "-v1"})
	t.Setenv("VAULT_ADDR", srv.URL)
	t.Setenv("VAULT_TOKEN", "root-token")

	tests := []struct {
		ref, want string
		wantErr   string
		is        error
	}{
		{ref: "vault://secret/team/api#client_secret", want: secret},
		{ref: "vault://team/kv1/apps/api#client_secret", want: secret + "-v1"},
		{ref: "vault://secret/team/api#nope", is: ErrNotFound},
		{ref: "vault://secret/team/other#client_secret", is: ErrNotFound},
		{ref: "vault://secret/team/api#n", wantErr: "secret reference vault://secret/team/api#n: field n is not a string"},
		{ref: "vault://elsewhere/x#y", wantErr: `secret reference vault://elsewhere/x#y: vault answered 403: preflight capability check returned 403, please ensure client's policies grant access to path "elsewhere/x"`},
	}
	for _, tt := range tests {
		var rv Resolver
		got, err := rv.Resolve(t.Context(), mustParse(t, tt.ref))
		checkResolved(t, tt.ref, got, err, tt.want, tt.wantErr, tt.is)
	}

	t.Setenv("VAULT_TOKEN", "wrong")
	var rv Resolver
	_, err := rv.Resolve(t.Context(), mustParse(t, "vault://secret/team/api#client_secret"))
	if want := "secret reference vault://secret/team/api#client_secret: vault answered 403: permission denied"; err == nil || err.Error() != want {
		t.Errorf("wrong token: err = %v;\nwant %s", err, want)
	}
}

// TestVaultTokenHelper: with no VAULT_TOKEN the token comes from the vault
// CLI's own store, ~/.vault-token, as after `vault login`.
func TestVaultTokenHelper(t *testing.T) {
	srv := vaulttest.New("from-helper")
	defer srv.Close()
	srv.Mount("secret/", 2)
	srv.Put("secret/", "api", map[string]any{"k": secret})
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, ".vault-token"), []byte("from-helper"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", home)
	t.Setenv("VAULT_CONFIG_PATH", filepath.Join(home, "none"))
	t.Setenv("VAULT_ADDR", srv.URL)
	t.Setenv("VAULT_TOKEN", "")
	os.Unsetenv("VAULT_TOKEN")
	var rv Resolver
	if got, err := rv.Resolve(t.Context(), mustParse(t, "vault://secret/api#k")); err != nil || got != secret {
		t.Errorf("got %q, %v; want the secret, read with the helper's token", got, err)
	}
}

func TestVaultLine(t *testing.T) {
	for in, want := range map[string]string{
		"permission denied":                            "permission denied",
		"1 error occurred:\n\t* permission denied\n\n": "permission denied",
		"  \n": "",
	} {
		if got := vaultLine(in); got != want {
			t.Errorf("vaultLine(%q) = %q; want %q", in, got, want)
		}
	}
}

// checkResolved checks what resolving ref gave against want: the value,
// else an error that is is, else one that reads wantErr.
func checkResolved(t *testing.T, ref, got string, err error, want, wantErr string, is error) {
	t.Helper()
	switch {
	case wantErr == "" && is == nil:
		if err != nil || got != want {
			t.Errorf("%s: got %q, %v; want %q", ref, got, err, want)
		}
	case is != nil && !errors.Is(err, is):
		t.Errorf("%s: err = %v; want %v", ref, err, is)
	case wantErr != "" && (err == nil || err.Error() != wantErr):
		t.Errorf("%s: err = %v;\nwant %s", ref, err, wantErr)
	}
}
