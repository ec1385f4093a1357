package secretref

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tokendesk/tokendesk/internal/vaulttest"
)

// TestVaultTokenSources: the token comes from where the vault CLI takes
// it: VAULT_TOKEN, else the token_helper its configuration file names
// (HCL or JSON), else ~/.vault-token; the namespace goes along.
func TestVaultTokenSources(t *testing.T) {
	const tok = "s.helper-token"
	srv := vaulttest.New(tok)
	defer srv.Close()
	srv.Mount("secret/", 2)
	srv.Put("secret/", "api", map[string]any{"k": secret})
	var namespaces []string
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		namespaces = append(namespaces, r.Header.Get("X-Vault-Namespace"))
		r2, _ := http.NewRequestWithContext(r.Context(), r.Method, srv.URL+r.URL.Path, nil)
		r2.Header = r.Header
		resp, err := http.DefaultClient.Do(r2)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		w.WriteHeader(resp.StatusCode)
		_, _ = io.Copy(w, resp.Body)
	}))
	defer front.Close()

	dir := t.TempDir()
	helper := filepath.Join(dir, "helper")
	if err := os.WriteFile(helper, []byte("#!/bin/sh\n[ \"$1\" = get ] && echo "+tok+"\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	tests := []struct {
		name      string
		env       string // VAULT_TOKEN
		config    string // the vault CLI's configuration file
		tokenFile string // ~/.vault-token
		wantErr   string
	}{
		{name: "environment", env: tok, config: `token_helper = "/nonexistent"`},
		{name: "helper in HCL", config: "# the CLI's\ntoken_helper = \"" + helper + "\"\n"},
		{name: "helper in JSON", config: `{"token_helper": "` + helper + `"}`},
		{name: "token file", tokenFile: tok + "\n"},
		{name: "none", wantErr: "no Vault token"},
		{name: "helper not absolute", config: `token_helper = "helper"`, wantErr: "absolute path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := t.TempDir()
			t.Setenv("HOME", home)
			t.Setenv("VAULT_ADDR", front.URL)
			t.Setenv("VAULT_NAMESPACE", "team-a")
			t.Setenv("VAULT_TOKEN", tt.env)
			cfg := filepath.Join(home, ".vault")
			t.Setenv("VAULT_CONFIG_PATH", cfg)
			if tt.config != "" {
				if err := os.WriteFile(cfg, []byte(tt.config), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			if tt.tokenFile != "" {
				if err := os.WriteFile(filepath.Join(home, ".vault-token"), []byte(tt.tokenFile), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			namespaces = nil
			var rv Resolver
			got, err := rv.Resolve(t.Context(), mustParse(t, "vault://secret/api#k"))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("got %v; want an error saying %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != secret {
				t.Fatalf("got %q, %v; want the secret", got, err)
			}
			for _, ns := range namespaces {
				if ns != "team-a" {
					t.Errorf("X-Vault-Namespace: got %q; want team-a", ns)
				}
			}
		})
	}
}

// TestNoVaultClientLinked: the Vault API client is not linked, so no
// command pays for its packages' initialisation.
func TestNoVaultClientLinked(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, dep := range strings.Fields(string(out)) {
		if strings.HasPrefix(dep, "github.com/hashicorp/") {
			t.Errorf("secretref depends on %s; want no HashiCorp package", dep)
		}
	}
}

// TestVaultTokenStaysOffPlainHTTP: the token goes to no plain http://
// address off this machine, neither VAULT_ADDR nor a redirect; nothing is
// sent there.
func TestVaultTokenStaysOffPlainHTTP(t *testing.T) {
	var hits int
	standby := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits++
		http.Redirect(w, r, "http://vault-active.example:8200"+r.URL.Path, http.StatusTemporaryRedirect)
	}))
	defer standby.Close()
	tests := []struct {
		name, addr string
	}{
		{"VAULT_ADDR", "http://vault.example:8200"},
		{"redirect", standby.URL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("HOME", t.TempDir())
			t.Setenv("VAULT_ADDR", tt.addr)
			t.Setenv("VAULT_TOKEN", "hvs.not-for-the-network")
			var rv Resolver
			_, err := rv.Resolve(t.Context(), mustParse(t, "vault://secret/api#k"))
			if !errors.Is(err, ErrInsecure) || strings.Contains(err.Error(), "hvs.") {
				t.Errorf("got %v; want ErrInsecure, without the token", err)
			}
		})
	}
	if hits == 0 {
		t.Error("the standby was never asked: the redirect case tested nothing")
	}
}
