package cli

import (
	"strings"
	"testing"
)

func TestCpCopiesSettingsNotSecrets(t *testing.T) {
	f := newFixture(t)
	f.add("api-staging", "--env", "staging", "--scope", "openid")
	tests := []struct {
		name, stdin string
		args        []string
		wantCode    int
	}{
		{"no secret", "", []string{"cp", "api-staging", "api-prod", "--env", "prod"}, 2},
		{"taken name", "x\n", []string{"cp", "api-staging", "api-staging"}, 2},
		{"no source", "x\n", []string{"cp", "nope", "api-prod"}, 1},
		{"copied", "prod-secret\n", []string{"cp", "api-staging", "api-prod", "--env", "prod", "--base-url", "https://prod.example.com/"}, 0},
	}
	for _, tt := range tests {
		_, stderr, code := f.run(tt.stdin, tt.args...)
		if code != tt.wantCode {
			t.Errorf("%s: exit %d; want %d (%s)", tt.name, code, tt.wantCode, stderr)
		}
		if strings.Contains(stderr, "prod-secret") {
			t.Errorf("%s: the secret reached stderr", tt.name)
		}
	}
	file, _ := f.env.Store.Load()
	src, _ := file.ByName("api-staging")
	cp, err := file.ByName("api-prod")
	if err != nil {
		t.Fatal(err)
	}
	if cp.ID == src.ID || cp.Env != "prod" || cp.BaseURL != "https://prod.example.com/" || cp.TokenURL != src.TokenURL ||
		cp.ClientID != src.ClientID || strings.Join(cp.Scopes, " ") != "openid" {
		t.Errorf("copy %+v", cp)
	}
	if s, _ := f.env.Keys.ClientSecret(cp.ID); s != "prod-secret" {
		t.Errorf("copy's secret %q; want the one read", s)
	}
	if s, _ := f.env.Keys.ClientSecret(src.ID); s != "s3cret" {
		t.Errorf("source's secret %q; want it untouched", s)
	}
}
