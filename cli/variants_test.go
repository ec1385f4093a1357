package cli

import (
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tokendesk/tokendesk/keys"
	"github.com/tokendesk/tokendesk/model"
)

func (f *fixture) saved(name string) model.Profile {
	f.t.Helper()
	file, err := f.env.Store.Load()
	if err != nil {
		f.t.Fatal(err)
	}
	p, err := file.ByName(name)
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}

// tls_client_auth without a certificate gets a key and a self-signed
// certificate; the key goes to the keychain, only the certificate to the
// file, even from a PEM file that holds both.
func TestAddMutualTLS(t *testing.T) {
	f := newFixture(t)
	_, stderr, code := f.run("", "add", "mtls", "--token-url", "https://as.example.com/token", "--client-id", "svc", "--auth-style", "tls_client_auth")
	if code != 0 || !strings.Contains(stderr, "self-signed client certificate (CN=svc)") {
		t.Fatalf("add: exit %d: %s", code, stderr)
	}
	p := f.saved("mtls")
	key, err := f.env.Keys.PrivateKey(p.ID)
	if err != nil || model.CheckCertificate(p.ClientCert) != nil || !fits(p.ClientCert, key) {
		t.Fatalf("key %v, certificate %q", err, p.ClientCert)
	}
	out, _, code := f.run("", "jwks", "mtls")
	if code != 0 || !strings.Contains(out, `"x5c"`) {
		t.Errorf("jwks: %s", out)
	}

	// A combined PEM file: its certificate is kept, its key is not.
	combined := filepath.Join(t.TempDir(), "both.pem")
	if err := os.WriteFile(combined, []byte(p.ClientCert+key), 0o600); err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(t.TempDir(), "key.pem")
	if err := os.WriteFile(keyFile, []byte(key), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := f.run("", "add", "mtls2", "--token-url", "https://as.example.com/token", "--client-id", "svc",
		"--auth-style", "tls_client_auth", "--client-cert", combined, "--private-key", keyFile); code != 0 {
		t.Fatalf("add with files: %s", stderr)
	}
	data, _ := os.ReadFile(filepath.Join(f.env.Store.Dir(), "profiles.json"))
	if strings.Contains(string(data), "PRIVATE KEY") {
		t.Error("the private key reached the profiles file")
	}
	// A new key retires the self-signed certificate made for the old one.
	otherKey, _ := keys.GenerateKey()
	if err := os.WriteFile(keyFile, []byte(otherKey), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := f.run("", "edit", "mtls2", "--private-key", keyFile); code != 0 || !strings.Contains(stderr, "self-signed client certificate") {
		t.Fatalf("new key: exit %d: %s", code, stderr)
	}
	if q := f.saved("mtls2"); q.ClientCert == p.ClientCert || !fits(q.ClientCert, otherKey) {
		t.Error("the certificate was not renewed for the new key")
	}
}

func TestHeadersFlags(t *testing.T) {
	f := newFixture(t)
	f.add("prod", "--header", "X-Medplum: extended", "--header", "X-Medplum-On-Behalf-Of: ProjectMembership/1", "--token-header", "X-Tenant: a")
	out, stderr, code := f.run("", "curl", "prod", "Patient")
	if code != 0 || !strings.Contains(out, "-H 'X-Medplum: extended' -H 'X-Medplum-On-Behalf-Of: ProjectMembership/1' -H 'X-Tenant: a'") {
		t.Errorf("curl: %q %s", out, stderr)
	}
	// --header replaces the API headers only; the token header stays.
	if _, stderr, code := f.run("", "edit", "prod", "--header", ""); code != 0 {
		t.Fatal(stderr)
	}
	if hs := f.saved("prod").Headers; len(hs) != 1 || hs[0].Name != "X-Tenant" || !hs[0].TokenRequest {
		t.Errorf("after clearing: %+v", hs)
	}
	if _, stderr, code := f.run("", "edit", "prod", "--header", "Authorization: Basic x"); code != 2 || !strings.Contains(stderr, "set by Token Desk") {
		t.Errorf("Authorization header: exit %d %s", code, stderr)
	}
}

// The server granting less than asked is said on stderr; stdout stays the
// token alone.
func TestScopeDifference(t *testing.T) {
	f := newFixture(t)
	f.add("prod", "--scope", "openid system/*.read")
	out, stderr, code := f.run("", "token", "prod")
	if code != 0 || out != "tok-1\n" || !strings.Contains(stderr, `granted scope "openid", not the "openid system/*.read" asked for (not granted: system/*.read)`) {
		t.Errorf("out %q stderr %q", out, stderr)
	}
	out, _, _ = f.run("", "token", "prod", "--json")
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil || m["requested_scope"] != "openid system/*.read" || m["scope"] != "openid" {
		t.Errorf("json: %v %s", err, out)
	}
}

func TestIntrospectCommand(t *testing.T) {
	f := newFixture(t)
	var inactive atomic.Bool
	is := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.FormValue("client_secret") != "s3cret" || r.FormValue("token") != "tok-1" {
			w.WriteHeader(401)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"active":%v,"scope":"openid","client_id":"cid","exp":%d}`, !inactive.Load(), f.env.Now().Unix()+600) // 9:59 and a fraction
	}))
	t.Cleanup(is.Close)
	f.add("prod", "--introspection-url", is.URL+"/introspect")
	out, stderr, code := f.run("", "introspect", "prod")
	if code != 0 || !strings.Contains(out, "\nactive     true\n") || !strings.Contains(out, "\nclient_id  cid\n") || !strings.Contains(out, "(9:59 left)") {
		t.Errorf("introspect: exit %d\n%s%s", code, out, stderr)
	}
	inactive.Store(true)
	out, stderr, code = f.run("", "introspect", "prod", "--json")
	if code != 1 || !strings.Contains(out, `"active":false`) || !strings.Contains(stderr, "not active") {
		t.Errorf("inactive: exit %d %s %s", code, out, stderr)
	}
}

func fits(certPEM, keyPEM string) bool {
	_, err := tls.X509KeyPair([]byte(certPEM), []byte(keyPEM))
	return err == nil
}
