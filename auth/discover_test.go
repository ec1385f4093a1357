package auth

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tokendesk/tokendesk/internal/authtest"
	"github.com/tokendesk/tokendesk/model"
)

func TestDiscoverFallsBackToRFC8414(t *testing.T) {
	var srvURL string
	srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/oauth-authorization-server/tenant1" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, `{"issuer":"%s/tenant1","token_endpoint":"%s/tenant1/token","token_endpoint_auth_methods_supported":["private_key_jwt","client_secret_post"],"grant_types_supported":["authorization_code"]}`, srvURL, srvURL)
	})
	srvURL = srv.URL
	m, err := NewClient().Discover(context.Background(), srv.URL+"/tenant1/")
	if err != nil {
		t.Fatal(err)
	}
	if m.TokenEndpoint != srv.URL+"/tenant1/token" || !strings.HasSuffix(m.Source, "/oauth-authorization-server/tenant1") {
		t.Errorf("got %+v", m)
	}
	w := strings.Join(m.Warnings(model.GrantClientCredentials, model.AuthHeader), "\n")
	if !strings.Contains(w, "client_credentials") || !strings.Contains(w, "client_secret_basic") {
		t.Errorf("warnings %q", w)
	}
	if w := m.Warnings(model.GrantClientCredentials, model.AuthBody); len(w) != 1 {
		t.Errorf("for client_secret_post: %q; want only the grant type warning", w)
	}
}

func TestDiscoverNothingThere(t *testing.T) {
	srv := authtest.Server(t, http.NotFound)
	_, err := NewClient().Discover(context.Background(), srv.URL)
	if err == nil || !strings.Contains(err.Error(), "no server metadata found") || !strings.Contains(err.Error(), "404") {
		t.Errorf("got %v", err)
	}
}

// A sign-in grant is not warned about client_credentials, and is about
// its own grant and its auth style.
func TestWarningsFitTheGrant(t *testing.T) {
	m := &Metadata{GrantTypes: []string{"authorization_code", "refresh_token"}, AuthMethods: []string{"client_secret_basic"}, PKCEMethods: []string{"S256"}}
	if w := m.Warnings(model.GrantAuthorizationCode, model.AuthNone); len(w) != 1 || !strings.Contains(w[0], "none") {
		t.Errorf("authorization_code, none: %q; want one warning, about none", w)
	}
	if w := m.Warnings(model.GrantClientCredentials, model.AuthHeader); len(w) != 1 || !strings.Contains(w[0], "client_credentials") {
		t.Errorf("client_credentials: %q; want one warning, about the grant", w)
	}
	if w := m.Warnings(model.GrantDeviceCode, model.AuthHeader); len(w) != 1 || !strings.Contains(w[0], "urn:ietf:params:oauth:grant-type:device_code") {
		t.Errorf("device_code: %q; want one warning, about the grant", w)
	}
}
