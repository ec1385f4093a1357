package auth

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

	"github.com/tokendesk/tokendesk/internal/authtest"
	"github.com/tokendesk/tokendesk/model"
)

// A secret field a server echoes, in a form or in JSON, never reaches an
// error, whoever's secret it is.
func TestSecretFieldsRedacted(t *testing.T) {
	const secret = "S3cr3t-value-42"
	for _, name := range []string{"device_code", "id_token", "code", "code_verifier", "subject_token", "actor_token",
		"refresh_token", "access_token", "client_assertion", "assertion", "client_secret", "token"} {
		for _, body := range []string{
			fmt.Sprintf(`{"%s":"%s","user_code":"U"}`, name, secret),
			fmt.Sprintf(`{"error":"x","echo":"{\"%s\": \"%s\"}"}`, name, secret),
			fmt.Sprintf(`grant_type=x&%s=%s&b=1`, name, secret),
		} {
			if got := newRedactor().body([]byte(body)); strings.Contains(got, secret) {
				t.Errorf("%s: got %q; want its value redacted", name, got)
			}
		}
	}
}

// A device authorization answer that is missing a field is quoted in the
// error without the device code.
func TestDeviceAnswerErrorHidesDeviceCode(t *testing.T) {
	srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"device_code":"DEV-SECRET-CODE-123","user_code":"WDJB"}`)
	})
	p := model.Profile{ID: "d1", Grant: model.GrantDeviceCode, ClientID: "app", AuthStyle: model.AuthNone,
		TokenURL: srv.URL + "/token", DeviceURL: srv.URL + "/device"}
	_, err := NewClient().deviceAuthorize(context.Background(), p, "")
	if err == nil || strings.Contains(err.Error(), "DEV-SECRET-CODE-123") || !strings.Contains(err.Error(), redacted) {
		t.Errorf("got %v; want an error without the device code", err)
	}
}

func TestDiscoverPinned(t *testing.T) {
	other := authtest.NewRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"issuer":"http://%s","token_endpoint":"http://%[1]s/token"}`, r.Host)
	})
	tests := []struct {
		name    string
		handler func(base string) http.HandlerFunc
		wantErr string // "" for success
	}{
		{"redirect within the origin", func(base string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/meta" {
					fmt.Fprintf(w, `{"issuer":%q,"token_endpoint":"%[1]s/token"}`, base)
					return
				}
				http.Redirect(w, r, "/meta", http.StatusFound)
			}
		}, ""},
		{"redirect to another origin", func(base string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
			}
		}, "no server metadata found"},
		{"another issuer", func(base string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, `{"issuer":"https://evil.example","token_endpoint":"%s/token"}`, base)
			}
		}, "https://evil.example"},
		{"no issuer", func(base string) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				fmt.Fprintf(w, `{"token_endpoint":"%s/token"}`, base)
			}
		}, "names \"\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var base string
			srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) { tt.handler(base)(w, r) })
			base = srv.URL
			md, err := NewClient().Discover(context.Background(), srv.URL)
			switch {
			case tt.wantErr == "" && (err != nil || md.TokenEndpoint != srv.URL+"/token"):
				t.Errorf("got %+v, %v; want the metadata", md, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("got %+v, %v; want an error naming %q", md, err, tt.wantErr)
			}
		})
	}
	if n := other.Got.Load(); n != 0 {
		t.Errorf("the other origin got %d request(s); want none", n)
	}
}

func TestDiscoverIssuerMismatchNamesBoth(t *testing.T) {
	srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"issuer":"https://evil.example","token_endpoint":"https://evil.example/token"}`)
	})
	_, err := NewClient().Discover(context.Background(), srv.URL)
	if !errors.Is(err, ErrIssuerDiffers) || !strings.Contains(err.Error(), "https://evil.example") || !strings.Contains(err.Error(), srv.URL) {
		t.Errorf("got %v; want ErrIssuerDiffers naming both issuers", err)
	}
}

// Introspection finds the endpoint where sign-out and userinfo do: at the
// issuer (here under a path, as Keycloak's realms are).
func TestIntrospectionEndpointAtIssuer(t *testing.T) {
	var base string
	srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/realms/x/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(w, `{"issuer":"%s/realms/x","token_endpoint":"%[1]s/realms/x/protocol/openid-connect/token","introspection_endpoint":"%[1]s/realms/x/introspect"}`, base)
	})
	base = srv.URL
	p := model.Profile{Issuer: srv.URL + "/realms/x", TokenURL: srv.URL + "/realms/x/protocol/openid-connect/token", ClientID: "c"}
	got, err := NewClient().IntrospectionEndpoint(context.Background(), p)
	if want := srv.URL + "/realms/x/introspect"; got != want || err != nil {
		t.Errorf("got %q, %v; want %q", got, err, want)
	}
}

// A callback with the wrong state (another web page, an old tab) is
// refused and the sign-in waits on for the right one.
func TestWrongStateCallbackIgnored(t *testing.T) {
	l, err := listen(model.Profile{}, "st")
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	var got []int
	for _, q := range []string{"?code=evil&state=forged", "?code=evil", "?error=access_denied", "?code=c&state=st"} {
		resp, err := http.Get(l.redirect + q)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		got = append(got, resp.StatusCode)
		if resp.StatusCode == http.StatusBadRequest && !strings.Contains(string(body), "state is wrong") {
			t.Errorf("page %q; want it to say the state is wrong", body)
		}
	}
	if fmt.Sprint(got) != "[400 400 400 200]" {
		t.Errorf("statuses %v; want [400 400 400 200]", got)
	}
	if code, err := l.wait(context.Background()); code != "c" || err != nil {
		t.Errorf("wait: %q %v; want the right callback's code", code, err)
	}
}

// A redirect URI naming LOCALHOST is loopback as localhost is: both
// loopback addresses are bound, not what a resolver says of the name.
func TestListenerOnUpperCaseLocalhost(t *testing.T) {
	if ln, err := net.Listen("tcp", "[::1]:0"); err != nil {
		t.Skip("no IPv6 loopback here")
	} else {
		ln.Close()
	}
	probe, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := probe.Addr().(*net.TCPAddr).Port
	probe.Close()
	l, err := listen(model.Profile{RedirectURI: fmt.Sprintf("http://LOCALHOST:%d/cb", port)}, "st")
	if err != nil {
		t.Fatal(err)
	}
	defer l.close()
	var addrs []string
	for _, ln := range l.lns {
		addrs = append(addrs, ln.Addr().(*net.TCPAddr).IP.String())
	}
	if fmt.Sprint(addrs) != "[127.0.0.1 ::1]" {
		t.Errorf("bound %v; want [127.0.0.1 ::1]", addrs)
	}
}

// Revoke sends a refresh token only to the server of the profile's token
// URL or issuer: another origin (another port too) is refused unasked.
func TestRevokeOnlyToOwnServer(t *testing.T) {
	ok := func(w http.ResponseWriter, r *http.Request) {}
	as, evil := authtest.NewRecorder(t, ok), authtest.NewRecorder(t, ok)
	p := authtest.PinnedProfile(as)
	tests := []struct {
		endpoint string
		foreign  bool
	}{
		{as.URL + "/revoke", false},
		{evil.URL + "/revoke", true},
		{"/revoke", true},
	}
	for _, tt := range tests {
		err := NewClient().Revoke(context.Background(), p, "", tt.endpoint, "rt-secret", "refresh_token")
		var fe *ForeignEndpointError
		if errors.As(err, &fe) != tt.foreign || (!tt.foreign && err != nil) {
			t.Errorf("Revoke at %s: %v; want foreign=%v", tt.endpoint, err, tt.foreign)
		}
	}
	if as.Got.Load() != 1 || evil.Got.Load() != 0 {
		t.Errorf("own server got %d request(s), the other %d; want 1 and 0", as.Got.Load(), evil.Got.Load())
	}
}
