package session_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/format"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/session"
	"github.com/tokendesk/tokendesk/storage"
)

// Secret headers: the Manager fills their values in from the keychain for
// the test call and introspection; the formatters refuse a profile whose
// values were not filled in; the shareable token request names a shell
// variable.
func TestSecretHeadersResolved(t *testing.T) {
	const key = "api-key-value-7a8b"
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen = append(seen, r.URL.Path+" "+r.Header.Get("X-Api-Key"))
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"active":true}`)
	}))
	t.Cleanup(srv.Close)
	keys := storage.NewKeychain(&storage.MemoryStore{})
	p := model.Profile{ID: "p", Name: "gw", TokenURL: srv.URL + "/token", ClientID: "c", BaseURL: srv.URL + "/",
		IntrospectionURL: srv.URL + "/introspect",
		Headers:          []model.Header{{Name: "X-Api-Key", Value: key, Secret: true, TokenRequest: true}}}
	if err := keys.SetClientSecret(p.ID, "s"); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.SaveHeaderValues(p); err != nil {
		t.Fatal(err)
	}
	stored := p
	stored.Headers = []model.Header{{Name: "X-Api-Key", Secret: true, TokenRequest: true}} // as the file has it
	m := session.NewManager(keys, auth.NewClient())
	tok := &model.Token{AccessToken: "t", TokenType: "Bearer"}
	if _, err := m.Probe(context.Background(), stored, tok, "auth/me"); err != nil {
		t.Fatal(err)
	}
	if _, err := m.Introspect(context.Background(), stored, tok); err != nil {
		t.Fatal(err)
	}
	if want := []string{"/auth/me " + key, "/introspect " + key}; !slices.Equal(seen, want) {
		t.Errorf("the server saw %q", seen)
	}
	if _, err := format.Curl(stored, format.Credential{Token: tok}, ""); !errors.Is(err, model.ErrHeaderMissing) {
		t.Errorf("Curl of an unresolved profile: %v", err)
	}
	if _, err := format.HTTPie(stored, format.Credential{Token: tok}, ""); !errors.Is(err, model.ErrHeaderMissing) {
		t.Errorf("HTTPie of an unresolved profile: %v", err)
	}
	if _, err := format.CurlPowerShell(stored, format.Credential{Token: tok}, ""); !errors.Is(err, model.ErrHeaderMissing) {
		t.Errorf("CurlPowerShell of an unresolved profile: %v", err)
	}
	resolved, err := keys.Resolve(stored)
	if err != nil {
		t.Fatal(err)
	}
	if line, err := format.Curl(resolved, format.Credential{Token: tok}, ""); err != nil || !strings.Contains(line, "'X-Api-Key: "+key+"'") {
		t.Errorf("Curl: %q, %v", line, err)
	}
	if line := format.TokenRequestCurl(resolved); strings.Contains(line, key) || !strings.Contains(line, `'X-Api-Key: '"$X_API_KEY"`) {
		t.Errorf("TokenRequestCurl: %q", line)
	}
}
