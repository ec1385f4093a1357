package integration

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tokendesk/tokendesk/internal/passtest"
	"github.com/tokendesk/tokendesk/internal/vaulttest"
	"github.com/tokendesk/tokendesk/storage"
	"github.com/zalando/go-keyring"
)

// TestTeamFirstDay is a teammate's first day, through the binary: the lead
// exports profiles whose secrets are references (1Password, Vault, pass)
// into the team's repository; the teammate points Token Desk at the file,
// is signed in to the team's vaults as usual, and every profile gets a
// token from Hydra with no secret typed and none written down. A second
// team file with a secret in it is refused by name and line, the
// teammate's own profile of the same name wins, and a `git pull` shows
// without a restart.
func TestTeamFirstDay(t *testing.T) {
	need(t)
	opID, opSecret := hydraClient(t, "client_secret_basic", nil)
	vaultID, vaultSecret := hydraClient(t, "client_secret_post", nil)
	passID, passSecret := hydraClient(t, "client_secret_basic", nil)
	const gwKey = "gw-key-from-pass-71c"

	// The team's vaults, as the teammate is signed in to them: a stand-in
	// op that answers only the exact reference, a Vault (KV v2) that
	// follows Vault's HTTP API, a pass store with its own GnuPG key.
	tools := t.TempDir()
	op := fmt.Sprintf(`#!/bin/sh
if [ "$*" = "read --no-newline op://Team/Hydra API/credential" ]; then printf %%s '%s'; exit 0; fi
echo "[ERROR] 2026/12/01 10:00:00 could not read secret '$3': no item matched" >&2; exit 1
`, opSecret)
	if err := os.WriteFile(filepath.Join(tools, "op"), []byte(op), 0o755); err != nil {
		t.Fatal(err)
	}
	vault := vaulttest.New("s.teammate-token")
	defer vault.Close()
	vault.Mount("secret/", 2)
	vault.Put("secret/", "team/hydra", map[string]any{"client_secret": vaultSecret})
	vaultEnv := passtest.Store(t, map[string]string{"team/hydra": passSecret + "\nnotes: the pass-kept one\n", "team/gw-key": gwKey + "\n"})
	vaultEnv = append(vaultEnv, "PATH="+tools+string(os.PathListSeparator)+os.Getenv("PATH"),
		"VAULT_ADDR="+vault.URL, "VAULT_TOKEN=s.teammate-token")
	run := func(cfg, team string, args ...string) result {
		t.Helper()
		return cliEnv(t, append(vaultEnv, storage.TeamEnv+"="+team), cfg, "", args...)
	}

	// The lead makes the team file: add with --secret-ref, then export.
	lead := t.TempDir()
	for _, a := range [][]string{
		{"api-op", "--client-id", opID, "--secret-ref", "op://Team/Hydra API/credential", "--secret-header", "X-Api-Key: pass://team/gw-key", "--base-url", "https://api.example.com/"},
		{"api-vault", "--client-id", vaultID, "--auth-style", "body", "--secret-ref", "vault://secret/team/hydra#client_secret"},
		{"api-pass", "--client-id", passID, "--secret-ref", "pass://team/hydra", "--env", "staging"},
	} {
		r := run(lead, "", append([]string{"add", a[0], "--token-url", env.tokenURL}, a[1:]...)...)
		if r.code != 0 {
			t.Fatalf("add %s: exit %d: %s", a[0], r.code, r.stderr)
		}
	}
	repo := t.TempDir()
	teamFile := filepath.Join(repo, "tokendesk.json")
	if r := run(lead, "", "export", "profiles", "-o", teamFile); r.code != 0 {
		t.Fatalf("export: %s", r.stderr)
	}

	// The teammate's first day.
	mate := t.TempDir()
	list := run(mate, teamFile, "list")
	for _, want := range []string{"TEAM", "SECRET", "api-op", "from 1Password", "from Vault at " + vault.URL, "from pass", "tokendesk.json"} {
		if !strings.Contains(list.stdout, want) {
			t.Errorf("list does not show %q:\n%s%s", want, list.stdout, list.stderr)
		}
	}
	// Nothing is resolved until the teammate allows the file, having seen
	// where each profile sends what.
	if r := run(mate, teamFile, "token", "api-vault"); r.code != 1 || !strings.Contains(r.stderr, "tokendesk team allow "+teamFile) {
		t.Errorf("token before allowing: exit %d: %s; want a refusal naming the file", r.code, r.stderr)
	}
	if n := vault.Reads(); n != 0 {
		t.Errorf("Vault served %d secret reads before the file was allowed; want 0", n)
	}
	if r := run(mate, teamFile, "team", "allow", teamFile); r.code != 0 || !strings.Contains(r.stdout, "secret vault://secret/team/hydra#client_secret") || !strings.Contains(r.stdout, env.tokenURL) {
		t.Fatalf("team allow: exit %d: %s%s; want the token URLs and references shown", r.code, r.stdout, r.stderr)
	}
	for name, secret := range map[string]string{"api-op": opSecret, "api-vault": vaultSecret, "api-pass": passSecret} {
		r := run(mate, teamFile, "token", name, "--fresh")
		if r.code != 0 {
			t.Errorf("token %s: exit %d: %s", name, r.code, r.stderr)
			continue
		}
		if got := introspect(t, strings.TrimSpace(r.stdout)); got["active"] != true {
			t.Errorf("token %s: Hydra says %v", name, got)
		}
		id := storage.TeamID(teamFile, name)
		for _, what := range []string{"/client-secret", "/headers"} {
			if _, err := keyring.Get(storage.Service, id+what); !errors.Is(err, keyring.ErrNotFound) {
				t.Errorf("%s: the keychain has %s (%v); want none", name, what, err)
			}
		}
		err := walkFiles([]string{mate, repo}, func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			if data, _ := os.ReadFile(path); strings.Contains(string(data), secret) || strings.Contains(string(data), gwKey) {
				t.Errorf("%s holds %s's secret", path, name)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	// A secret header's value from a reference, in the printed command.
	if r := run(mate, teamFile, "curl", "api-op", "data"); r.code != 0 || !strings.Contains(r.stdout, "X-Api-Key: "+gwKey) {
		t.Errorf("curl api-op: exit %d: %s%s; want the header's value from pass", r.code, r.stdout, r.stderr)
	}
	if n := vault.Reads(); n != 1 {
		t.Errorf("Vault served %d secret reads; want 1", n)
	}

	// A reference that fails says which and why, in the tool's words.
	bad := filepath.Join(repo, "bad-ref.json")
	data, _ := os.ReadFile(teamFile)
	if err := os.WriteFile(bad, []byte(strings.ReplaceAll(string(data), "Hydra API", "Nope")), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := run(mate, bad, "team", "allow", bad); r.code != 0 {
		t.Fatalf("team allow %s: exit %d: %s", bad, r.code, r.stderr)
	}
	r := run(mate, bad, "token", "api-op")
	if r.code != 1 || !strings.Contains(r.stderr, "secret reference op://Team/Nope/credential: [ERROR] 2026/12/01 10:00:00 could not read secret 'op://Team/Nope/credential': no item matched") {
		t.Errorf("a failing reference: exit %d: %s", r.code, r.stderr)
	}

	// A second team file, with a secret in it, and the teammate's own
	// profile named as a team one: the file is refused by name and line,
	// the own profile wins and still works.
	leaky := filepath.Join(t.TempDir(), "leaky.json")
	leak := `{
  "tokendeskProfiles": "1",
  "profiles": [
    {"name": "leaky", "tokenUrl": "https://auth.example.com/token", "clientId": "c",
     "clientSecret": "` + opSecret + `"}
  ]
}
`
	if err := os.WriteFile(leaky, []byte(leak), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := cliEnv(t, vaultEnv, mate, passSecret+"\n", "add", "api-pass", "--token-url", env.tokenURL, "--client-id", passID); r.code != 0 {
		t.Fatalf("own add: %s", r.stderr)
	}
	both := teamFile + string(os.PathListSeparator) + leaky
	r = run(mate, both, "list")
	if r.code != 0 {
		t.Fatalf("list with a leaky team file: exit %d: %s", r.code, r.stderr)
	}
	wantErr := "team file " + leaky + ", line 5: a secret (\"clientSecret\"): a team file must never hold a secret"
	if !strings.Contains(r.stderr, wantErr) || strings.Contains(r.stderr, opSecret) {
		t.Errorf("list stderr = %q; want %q and not the secret", r.stderr, wantErr)
	}
	if !strings.Contains(r.stderr, `your profile "api-pass" hides the team profile of that name in `+teamFile) {
		t.Errorf("list stderr = %q; want a note that the own profile wins", r.stderr)
	}
	if strings.Contains(r.stdout, "leaky") || !strings.Contains(r.stdout, "api-op") {
		t.Errorf("list = %s; want the good team file's profiles and not the leaky one's", r.stdout)
	}
	if r := run(mate, both, "token", "api-pass", "--fresh"); r.code != 0 {
		t.Errorf("own api-pass: exit %d: %s", r.code, r.stderr)
	}

	// The team pulls a change: the next run sees it.
	if err := os.WriteFile(teamFile, []byte(strings.ReplaceAll(string(data), `"api-vault"`, `"api-vault-2"`)), 0o644); err != nil {
		t.Fatal(err)
	}
	if r := run(mate, teamFile, "list"); !strings.Contains(r.stdout, "api-vault-2") || !strings.Contains(r.stderr, "changed since you allowed it (token URL or references of api-vault-2)") {
		t.Errorf("after the pull: list = %s%s; want the new name, and that the file needs allowing again", r.stdout, r.stderr)
	}
	if r := run(mate, teamFile, "team", "allow", "tokendesk.json"); r.code != 0 {
		t.Fatalf("team allow by name: exit %d: %s", r.code, r.stderr)
	}
	// A copy of a team profile is the teammate's own, its secret from the
	// same reference.
	if r := run(mate, teamFile, "cp", "api-op", "my-api"); r.code != 0 {
		t.Errorf("cp of a team profile: exit %d: %s", r.code, r.stderr)
	} else if r := run(mate, teamFile, "token", "my-api", "--fresh"); r.code != 0 {
		t.Errorf("token for the copy: exit %d: %s", r.code, r.stderr)
	}
	// A team profile is read-only here.
	if r := run(mate, teamFile, "rm", "api-op"); r.code == 0 || !strings.Contains(r.stderr, "read-only") {
		t.Errorf("rm of a team profile: exit %d: %s", r.code, r.stderr)
	}
}

// TestTeamFileCannotExfiltrate: a commit to the team's repository points a
// profile whose secret is in the teammate's Vault at a server of the
// attacker's. The teammate's next token request sends nothing there and
// reads nothing from Vault; the message names the file and how to allow
// it. Allowed again (having looked), it works as allowed; changed again,
// it is refused again.
func TestTeamFileCannotExfiltrate(t *testing.T) {
	need(t)
	id, secret := hydraClient(t, "client_secret_post", nil)
	vault := vaulttest.New("s.teammate-token")
	defer vault.Close()
	vault.Mount("secret/", 2)
	vault.Put("secret/", "team/api", map[string]any{"client_secret": secret})
	var hits atomic.Int32
	var got atomic.Value // what the attacker's server received, if anything
	evil := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		hits.Add(1)
		got.Store(string(body) + r.Header.Get("Authorization"))
		http.Error(w, `{"error":"invalid_client"}`, http.StatusUnauthorized)
	}))
	defer evil.Close()

	repo, mate := t.TempDir(), t.TempDir()
	teamFile := filepath.Join(repo, "tokendesk.json")
	write := func(tokenURL string, more ...string) {
		t.Helper()
		data := `{"tokendeskProfiles": "1", "profiles": [{"name": "api", "tokenUrl": "` + tokenURL + `", "clientId": "` + id + `",
  ` + strings.Join(append(more, `"authStyle": "body", "secretRef": "vault://secret/team/api#client_secret"`), ", ") + `}]}`
		if err := os.WriteFile(teamFile, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := func(args ...string) result {
		t.Helper()
		return cliEnv(t, []string{storage.TeamEnv + "=" + teamFile, "VAULT_ADDR=" + vault.URL, "VAULT_TOKEN=s.teammate-token"}, mate, "", args...)
	}
	refused := func(step, want string) {
		t.Helper()
		r := run("token", "api", "--fresh")
		if r.code != 1 || !strings.Contains(r.stderr, "team file "+teamFile+" "+want) || !strings.Contains(r.stderr, "tokendesk team allow "+teamFile) {
			t.Errorf("%s: exit %d: %s; want a refusal saying the file %s", step, r.code, r.stderr, want)
		}
		if n := hits.Load(); n != 0 {
			leaked := strings.Contains(fmt.Sprint(got.Load()), secret)
			t.Errorf("%s: the attacker's server got %d requests (the secret in them: %t); want none", step, n, leaked)
		}
	}

	write(env.tokenURL)
	refused("never allowed", "is not allowed")
	if r := run("team", "allow", teamFile); r.code != 0 {
		t.Fatalf("team allow: exit %d: %s", r.code, r.stderr)
	}
	if r := run("token", "api", "--fresh"); r.code != 0 {
		t.Fatalf("allowed: exit %d: %s", r.code, r.stderr)
	}
	reads := vault.Reads()

	// A commit that sends the cached token elsewhere: it is not handed out.
	write(env.tokenURL, `"baseUrl": "`+evil.URL+`/"`)
	if r := run("curl", "api", "data"); r.code != 1 || !strings.Contains(r.stderr, "changed since you allowed it") {
		t.Errorf("curl with a changed base URL: exit %d: %s; want a refusal", r.code, r.stderr)
	}

	// The malicious commit, pulled.
	write(evil.URL + "/token")
	refused("changed", "changed since you allowed it")
	if n := vault.Reads(); n != reads {
		t.Errorf("Vault served %d more reads for the changed file; want none", n-reads)
	}
	r := run("team", "list")
	if !strings.Contains(r.stdout, teamFile+": changed since you allowed it (token URL or references of api)") || !strings.Contains(r.stdout, evil.URL+"/token") {
		t.Errorf("team list = %s; want the change and the new token URL shown", r.stdout)
	}

	// Put back, allowed again: works; changed again: refused again.
	write(env.tokenURL)
	if r := run("team", "allow", teamFile); r.code != 0 {
		t.Fatalf("team allow again: exit %d: %s", r.code, r.stderr)
	}
	if r := run("token", "api", "--fresh"); r.code != 0 {
		t.Errorf("allowed again: exit %d: %s", r.code, r.stderr)
	}
	write(evil.URL + "/token")
	refused("changed again", "changed since you allowed it")
	if r := run("team", "deny", teamFile); r.code != 0 {
		t.Errorf("team deny: exit %d: %s", r.code, r.stderr)
	}
	if data, _ := os.ReadFile(teamFile); strings.Contains(string(data), "sha256") {
		t.Errorf("the team file holds the trust:\n%s", data)
	}
}
