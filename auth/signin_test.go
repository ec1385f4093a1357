package auth

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tokendesk/tokendesk/model"
)

func TestListenerAnswersOneCallback(t *testing.T) {
	l, err := listen(model.Profile{}, "st")
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	var got []int
	for range 2 {
		resp, err := http.Get(l.redirect + "?code=c&state=st")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got = append(got, resp.StatusCode)
	}
	if got[0] != 200 || got[1] != http.StatusConflict {
		t.Errorf("statuses %v; want [200 409]", got)
	}
	if code, err := l.wait(context.Background()); code != "c" || err != nil {
		t.Errorf("wait: %q %v; want the first callback's code", code, err)
	}
	if !strings.HasPrefix(l.redirect, "http://127.0.0.1:") {
		t.Errorf("redirect %q; want loopback", l.redirect)
	}
}

func TestListenerPortInUse(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	port := busy.Addr().(*net.TCPAddr).Port
	tests := []model.Profile{
		{RedirectPort: port},
		{RedirectURI: fmt.Sprintf("http://127.0.0.1:%d/cb", port)},
	}
	for _, p := range tests {
		_, err := listen(p, "st")
		var inUse *PortInUseError
		if !errors.As(err, &inUse) {
			t.Errorf("listen on a busy port: got %v; want PortInUseError", err)
		}
	}
}

// Medplum's exact redirect URI names localhost: the browser may resolve it
// to either loopback address, and the path is the root.
func TestListenerOnLocalhost(t *testing.T) {
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := probe.Addr().(*net.TCPAddr).Port
	probe.Close()
	l, err := listen(model.Profile{RedirectURI: fmt.Sprintf("http://localhost:%d", port)}, "st")
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	if l.redirect != fmt.Sprintf("http://localhost:%d", port) {
		t.Errorf("redirect %q; want the profile's, exactly", l.redirect)
	}
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/?code=c&state=st", port))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code, err := l.wait(context.Background()); code != "c" || err != nil {
		t.Errorf("wait: %q %v; want the code from a callback to the root path", code, err)
	}
}

func TestRefreshTokenOwnExpiry(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"a","token_type":"Bearer","expires_in":60,"refresh_token":"r2","refresh_expires_in":1800}`)
	}))
	defer srv.Close()
	c := NewClient()
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c.Now = func() time.Time { return now }
	is, err := c.Refresh(context.Background(), model.Profile{ClientID: "app", AuthStyle: model.AuthNone, TokenURL: srv.URL}, "", "r1")
	if err != nil {
		t.Fatal(err)
	}
	if is.Refresh != "r2" || !is.RefreshExpiry.Equal(now.Add(30*time.Minute)) {
		t.Errorf("refresh %q expiring %v; want r2 at %v", is.Refresh, is.RefreshExpiry, now.Add(30*time.Minute))
	}
	if _, ok := is.Token.Extra["refresh_token"]; ok {
		t.Error("the refresh token is kept among the access token's extras (cached with it, shown)")
	}
}

func TestMetadataGrants(t *testing.T) {
	tests := []struct {
		md   Metadata
		want string
	}{
		{Metadata{GrantTypes: []string{"authorization_code", "refresh_token"}}, "[authorization_code]"},
		{Metadata{GrantTypes: []string{"client_credentials", "urn:ietf:params:oauth:grant-type:device_code", "urn:ietf:params:oauth:grant-type:token-exchange"}}, "[client_credentials device_code token_exchange]"},
		{Metadata{AuthorizationEndpoint: "https://as/authorize"}, "[client_credentials authorization_code token_exchange]"},
	}
	for _, tt := range tests {
		if got := fmt.Sprint(tt.md.Grants()); got != tt.want {
			t.Errorf("Grants() of %v = %s; want %s", tt.md.GrantTypes, got, tt.want)
		}
	}
}
