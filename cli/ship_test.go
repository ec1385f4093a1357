package cli

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// Every command's help stands alone: a short line, and an example for each
// command that does something.
func TestEveryCommandHasAnExample(t *testing.T) {
	f := newFixture(t)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		for _, sub := range c.Commands() {
			walk(sub)
		}
		if c.Hidden || !c.Runnable() || c.Name() == "help" {
			return
		}
		if c.Short == "" || strings.TrimSpace(c.Example) == "" {
			t.Errorf("%q has no short description or no example", c.CommandPath())
		}
	}
	walk(Command(f.env))
}

// Completion offers profile names for NAME, once, and nothing of files.
func TestCompletionOffersProfileNames(t *testing.T) {
	f := newFixture(t)
	f.add("prod", "--env", "prod")
	f.add("staging", "--env", "staging")
	out, _, code := f.run("", "__complete", "token", "")
	if code != 0 || !strings.Contains(out, "prod\tprod") || !strings.Contains(out, "staging\tstaging") || !strings.Contains(out, ":4") {
		t.Errorf("token: exit %d\n%s", code, out)
	}
	out, _, _ = f.run("", "__complete", "token", "st")
	if strings.Contains(out, "prod\t") || !strings.Contains(out, "staging") {
		t.Errorf("prefix st:\n%s", out)
	}
	// The second argument of curl is a path: no names.
	out, _, _ = f.run("", "__complete", "curl", "prod", "")
	if strings.Contains(out, "staging") {
		t.Errorf("curl PATH:\n%s", out)
	}
	// export postman NAME... takes several, each once.
	out, _, _ = f.run("", "__complete", "export", "postman", "prod", "")
	if strings.Contains(out, "prod\t") || !strings.Contains(out, "staging") {
		t.Errorf("postman NAME...:\n%s", out)
	}
	for _, sh := range []string{"bash", "zsh", "fish", "powershell"} {
		if out, _, code := f.run("", "completion", sh); code != 0 || !strings.Contains(out, "tokendesk") {
			t.Errorf("completion %s: exit %d", sh, code)
		}
	}
}

func TestPowerShellOutput(t *testing.T) {
	f := newFixture(t)
	f.add("prod", "--header", "X-Medplum: extended")
	out, stderr, code := f.run("", "curl", "prod", "Patient?name=O'Brien", "--shell", "powershell")
	if code != 0 || out != "curl.exe -H 'Authorization: Bearer tok-1' -H 'X-Medplum: extended' 'https://api.example.com/fhir/Patient?name=O''Brien'\n" {
		t.Errorf("curl: exit %d %q %s", code, out, stderr)
	}
	out, _, code = f.run("", "env", "prod", "--shell", "powershell")
	if code != 0 || !strings.Contains(out, "$env:ACCESS_TOKEN = 'tok-1'\n") || !strings.Contains(out, "$env:BASE_URL = 'https://api.example.com/fhir/'\n") {
		t.Errorf("env: exit %d %q", code, out)
	}
	if _, stderr, code := f.run("", "curl", "prod", "--shell", "cmd"); code != 2 || !strings.Contains(stderr, "want posix or powershell") {
		t.Errorf("--shell cmd: exit %d %s", code, stderr)
	}
}

// The RFC names of the auth methods are understood too.
func TestAuthStyleRFCNames(t *testing.T) {
	f := newFixture(t)
	f.add("basic", "--auth-style", "client_secret_basic")
	if got := f.saved("basic").AuthStyle; got != "header" {
		t.Errorf("client_secret_basic saved as %q", got)
	}
	if _, stderr, code := f.run("", "add", "ss", "--token-url", "https://as.example.com/token", "--client-id", "c", "--auth-style", "self_signed_tls_client_auth"); code != 0 {
		t.Fatal(stderr)
	}
	if got := f.saved("ss").AuthStyle; got != "tls_client_auth" {
		t.Errorf("self_signed_tls_client_auth saved as %q", got)
	}
}
