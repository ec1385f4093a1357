package auth

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tokendesk/tokendesk/model"
)

func TestDiscoverFallsBackToRFC8414(t *testing.T) {
	var srvURL string
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
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
	w := strings.Join(m.Warnings(model.AuthHeader), "\n")
	if !strings.Contains(w, "client_credentials") || !strings.Contains(w, "client_secret_basic") {
		t.Errorf("warnings %q", w)
	}
	if w := m.Warnings(model.AuthBody); len(w) != 1 {
		t.Errorf("for client_secret_post: %q; want only the grant type warning", w)
	}
}

func TestDiscoverNothingThere(t *testing.T) {
	srv := server(t, http.NotFound)
	_, err := NewClient().Discover(context.Background(), srv.URL)
	if err == nil || !strings.Contains(err.Error(), "no server metadata found") || !strings.Contains(err.Error(), "404") {
		t.Errorf("got %v", err)
	}
}
