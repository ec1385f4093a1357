// Package authtest holds the fixtures the tests of auth and session share:
// small authorization servers, profiles and certificates.
package authtest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tokendesk/tokendesk/model"
)

// Secret is the client secret the test profiles use.
const Secret = "s3cr3t-Zx9!"

// Server answers token requests with handler, after checking nothing;
// it closes when the test ends.
func Server(t *testing.T, handler http.HandlerFunc) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return srv
}

// Profile is a client-credentials profile whose token URL is on srv.
func Profile(srv *httptest.Server, style model.AuthStyle) model.Profile {
	return model.Profile{ID: "p1", Name: "test", TokenURL: srv.URL + "/oauth2/token", ClientID: "my-client", AuthStyle: style, Scopes: []string{"openid", "system/*.read"}}
}

// IDToken is an unsigned ID token with claims.
func IDToken(claims map[string]any) string {
	b, _ := json.Marshal(claims)
	return "e30." + base64.RawURLEncoding.EncodeToString(b) + ".c2ln"
}

// AuthServer is an authorization server for the sign-in tests: it checks
// PKCE and the redirect URI, and issues tokens with a refresh token.
type AuthServer struct {
	*httptest.Server
	mu       sync.Mutex
	pending  map[string]url.Values // code → the authorization request
	Refresh  map[string]bool       // valid refresh tokens
	n        int
	NoRotate bool
	// OnRefresh, if set, answers a refresh instead.
	OnRefresh func(w http.ResponseWriter, rt string) bool
	forms     []url.Values
}

// NewAuthServer starts an AuthServer that closes when the test ends.
func NewAuthServer(t *testing.T) *AuthServer {
	t.Helper()
	s := &AuthServer{pending: map[string]url.Values{}, Refresh: map[string]bool{}}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	return s
}

func (s *AuthServer) serve(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.forms = append(s.forms, r.PostForm)
	fail := func(code string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":%q}`, code)
	}
	issue := func() {
		s.n++
		rt := fmt.Sprintf("rt-%d-Zq9", s.n)
		s.Refresh[rt] = true
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"access_token":"at-%d","token_type":"Bearer","expires_in":3600,"refresh_token":%q,"id_token":%q}`,
			s.n, rt, IDToken(map[string]any{"sub": "u1", "name": "Alice Example"}))
	}
	switch r.PostForm.Get("grant_type") {
	case "authorization_code":
		ar, ok := s.pending[r.PostForm.Get("code")]
		delete(s.pending, r.PostForm.Get("code"))
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if !ok || base64.RawURLEncoding.EncodeToString(sum[:]) != ar.Get("code_challenge") ||
			ar.Get("code_challenge_method") != "S256" || r.PostForm.Get("redirect_uri") != ar.Get("redirect_uri") ||
			r.PostForm.Get("client_id") != "app" {
			fail("invalid_grant")
			return
		}
		issue()
	case "refresh_token":
		rt := r.PostForm.Get("refresh_token")
		if s.OnRefresh != nil && s.OnRefresh(w, rt) {
			return
		}
		if !s.Refresh[rt] {
			fail("invalid_grant")
			return
		}
		if s.NoRotate {
			s.n++
			fmt.Fprintf(w, `{"access_token":"at-%d","token_type":"Bearer","expires_in":3600}`, s.n)
			return
		}
		delete(s.Refresh, rt)
		issue()
	default:
		fail("unsupported_grant_type")
	}
}

// Authorize plays the browser and the server's sign-in page: it records
// the authorization request and sends the browser back with a code, or
// with what back says.
func (s *AuthServer) Authorize(t *testing.T, back func(q url.Values, code string) url.Values) func(string) error {
	return func(raw string) error {
		u, err := url.Parse(raw)
		if err != nil {
			return err
		}
		q := u.Query()
		s.mu.Lock()
		s.n++
		code := fmt.Sprintf("code-%d", s.n)
		s.pending[code] = q
		s.mu.Unlock()
		cb := url.Values{"code": {code}, "state": {q.Get("state")}}
		if back != nil {
			cb = back(q, code)
		}
		go func() {
			resp, err := http.Get(q.Get("redirect_uri") + "?" + cb.Encode())
			if err == nil {
				resp.Body.Close()
			}
		}()
		return nil
	}
}

// SignInProfile is an authorization-code profile of a public client at s.
func SignInProfile(s *AuthServer) model.Profile {
	return model.Profile{ID: "p1", Name: "me", Grant: model.GrantAuthorizationCode, ClientID: "app", AuthStyle: model.AuthNone,
		TokenURL: s.URL + "/token", AuthorizeURL: s.URL + "/authorize", Scopes: []string{"openid", "offline_access"}}
}

// Recorder is a server that counts the requests it got.
type Recorder struct {
	*httptest.Server
	Got atomic.Int32
}

// NewRecorder starts a Recorder answering with h.
func NewRecorder(t *testing.T, h http.HandlerFunc) *Recorder {
	t.Helper()
	r := &Recorder{}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.Got.Add(1)
		if h != nil {
			h(w, req)
		}
	}))
	t.Cleanup(r.Close)
	return r
}

// PinnedProfile is a profile whose every endpoint is on as.
func PinnedProfile(as *Recorder) model.Profile {
	return model.Profile{ID: "p1", Grant: model.GrantAuthorizationCode, ClientID: "app", AuthStyle: model.AuthNone,
		TokenURL: as.URL + "/token", AuthorizeURL: as.URL + "/authorize"}
}

// CallBack plays a browser that lands on the redirect URI with q.
func CallBack(q url.Values) func(string) error {
	return func(raw string) error {
		u, err := url.Parse(raw)
		if err != nil {
			return err
		}
		back := url.Values{"state": {u.Query().Get("state")}}
		for k, v := range q {
			back[k] = v
		}
		resp, err := http.Get(u.Query().Get("redirect_uri") + "?" + back.Encode())
		if err != nil {
			return err
		}
		resp.Body.Close()
		return nil
	}
}

// PKI is a test CA (its certificate in CAFile) and a server certificate
// for 127.0.0.1 that it signed.
type PKI struct {
	CAFile    string
	ServerTLS tls.Certificate
}

// NewPKI makes a PKI in the test's temporary directory.
func NewPKI(t *testing.T) PKI {
	t.Helper()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Token Desk test CA"},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	srvKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	srvTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, srvKey.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	return PKI{CAFile: caFile, ServerTLS: tls.Certificate{Certificate: [][]byte{srvDER}, PrivateKey: srvKey}}
}

// Hang is a token endpoint that accepts the request and never answers.
func Hang(t *testing.T) *httptest.Server {
	t.Helper()
	stop := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-stop:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(stop); srv.Close() })
	return srv
}
