package cli

import (
	"testing"
	"time"

	"github.com/tokendesk/tokendesk/model"
)

func TestStatusExitCodes(t *testing.T) {
	f := newFixture(t)
	f.add("prod")
	status := func(t *testing.T, want int) {
		t.Helper()
		out, stderr, code := f.run("", "status", "prod")
		if code != want || out+stderr != "" {
			t.Errorf("status: got exit %d, output %q; want %d and nothing", code, out+stderr, want)
		}
	}
	status(t, 1) // no token yet
	if _, _, code := f.run("", "token", "prod"); code != 0 {
		t.Fatal("token failed")
	}
	status(t, 0)
	file, _ := f.env.Store.Load()
	p, _ := file.ByName("prod")
	now := f.env.Now()
	if _, err := f.env.Keys.SetToken(p.ID, model.Token{AccessToken: "old", IssuedAt: now.Add(-2 * time.Hour),
		Expiry: now.Add(-time.Hour), Fingerprint: p.Fingerprint()}); err != nil {
		t.Fatal(err)
	}
	status(t, 1) // expired
	if _, stderr, code := f.run("", "status", "nope"); code != 1 || stderr == "" {
		t.Errorf("unknown profile: got exit %d, stderr %q; want 1 with a message", code, stderr)
	}
	if f.requests.Load() != 1 {
		t.Errorf("token requests: got %d; want 1 (status asks no server)", f.requests.Load())
	}
}

func TestTokenFormatKubectl(t *testing.T) {
	f := newFixture(t)
	f.add("prod")
	out, stderr, code := f.run("", "token", "prod", "--format", "kubectl")
	exp := f.env.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	want := `{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"tok-1","expirationTimestamp":"` + exp + `"}}` + "\n"
	if code != 0 || out != want {
		t.Errorf("got exit %d, %q (%s); want %q", code, out, stderr, want)
	}
	for _, args := range [][]string{{"--format", "yaml"}, {"--format", "kubectl", "--json"}} {
		if _, _, code := f.run("", append([]string{"token", "prod"}, args...)...); code != 2 {
			t.Errorf("%v: got exit %d; want 2", args, code)
		}
	}
}
