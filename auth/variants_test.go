package auth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tokendesk/tokendesk/internal/authtest"
	"github.com/tokendesk/tokendesk/keys"
	"github.com/tokendesk/tokendesk/model"
)

// A client_secret_jwt request carries an HS256 assertion made with the
// secret, and never the secret itself.
func TestClientSecretJWTOnTheWire(t *testing.T) {
	const secret = "a-shared-secret-of-32-bytes-or-more!"
	srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		if _, _, basic := r.BasicAuth(); basic || r.PostForm.Has("client_secret") {
			t.Error("the secret went on the wire")
		}
		if got := r.PostForm.Get("client_assertion_type"); got != keys.AssertionType {
			t.Errorf("client_assertion_type %q", got)
		}
		tokenURL := "http://" + r.Host + r.URL.Path
		var claims jwt.RegisteredClaims
		_, err := jwt.ParseWithClaims(r.PostForm.Get("client_assertion"), &claims,
			func(*jwt.Token) (any, error) { return []byte(secret), nil },
			jwt.WithValidMethods([]string{"HS256"}), jwt.WithAudience(tokenURL), jwt.WithIssuer("my-client"),
			jwt.WithSubject("my-client"), jwt.WithExpirationRequired(), jwt.WithIssuedAt())
		if err != nil {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":"invalid_client","error_description":%q}`, err.Error())
			return
		}
		if claims.ID == "" || claims.ExpiresAt.Sub(claims.IssuedAt.Time) > 5*time.Minute {
			t.Errorf("jti %q, lifetime %v", claims.ID, claims.ExpiresAt.Sub(claims.IssuedAt.Time))
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"csjwt","token_type":"Bearer","expires_in":60}`)
	})
	p := authtest.Profile(srv, model.AuthClientSecretJWT)
	tok, err := NewClient().Fetch(context.Background(), p, secret)
	if err != nil || tok.AccessToken != "csjwt" {
		t.Fatalf("fetch: %v", err)
	}
	// A wrong secret makes an assertion the server refuses.
	if _, err := NewClient().Fetch(context.Background(), p, "another-secret-of-thirty-two-bytes!"); err == nil || !strings.Contains(err.Error(), "signature is invalid") {
		t.Errorf("wrong secret: %v", err)
	}
}

// A tls_client_auth request presents the profile's certificate, sends
// client_id and no secret, and trusts the server through the profile's CA
// file.
func TestMutualTLSOnTheWire(t *testing.T) {
	pk := authtest.NewPKI(t)
	clientKey, _ := keys.GenerateKey()
	clientCert, err := keys.SelfSignedCert(clientKey, "my-client", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode([]byte(clientCert))
	trusted := x509.NewCertPool()
	want, _ := x509.ParseCertificate(block.Bytes)
	trusted.AddCert(want)

	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		if _, _, basic := r.BasicAuth(); basic || r.PostForm.Has("client_secret") || r.PostForm.Has("client_assertion") {
			t.Error("a secret or assertion went with a tls_client_auth request")
		}
		if r.PostForm.Get("client_id") != "my-client" {
			t.Errorf("client_id %q", r.PostForm.Get("client_id"))
		}
		if len(r.TLS.PeerCertificates) != 1 || !r.TLS.PeerCertificates[0].Equal(want) {
			t.Error("the client certificate is not the profile's")
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"mtls","token_type":"Bearer","expires_in":60}`)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes below
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pk.ServerTLS}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: trusted}
	srv.StartTLS()
	t.Cleanup(srv.Close)

	p := model.Profile{ID: "m", Name: "mtls", TokenURL: srv.URL + "/token", ClientID: "my-client",
		AuthStyle: model.AuthTLS, ClientCert: clientCert, CAFile: pk.CAFile}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	tok, err := NewClient().Fetch(context.Background(), p, clientKey)
	if err != nil || tok.AccessToken != "mtls" {
		t.Fatalf("fetch: %v", err)
	}

	// Another key with the same certificate: refused before any request,
	// and the message names no key material.
	otherKey, _ := keys.GenerateKey()
	_, err = NewClient().Fetch(context.Background(), p, otherKey)
	if err == nil || !strings.Contains(err.Error(), "does not go with its private key") || strings.Contains(err.Error(), "PRIVATE KEY") {
		t.Errorf("mismatched key: %v", err)
	}
	// A certificate the server does not trust: the handshake fails.
	strangerKey, _ := keys.GenerateKey()
	stranger := p
	stranger.ClientCert, _ = keys.SelfSignedCert(strangerKey, "my-client", time.Now())
	if _, err := NewClient().Fetch(context.Background(), stranger, strangerKey); err == nil {
		t.Error("an untrusted client certificate was accepted")
	}
	// Without the CA file the server's certificate does not verify.
	noCA := p
	noCA.CAFile = ""
	if _, err := NewClient().Fetch(context.Background(), noCA, clientKey); err == nil || !strings.Contains(err.Error(), "did not verify") {
		t.Errorf("without the CA file: %v", err)
	}
	// The JWKS carries the certificate as x5c.
	set, err := keys.JWKS(clientKey, clientCert)
	if err != nil || !strings.Contains(set, `"x5c"`) {
		t.Errorf("JWKS with certificate: %v\n%s", err, set)
	}
}

// introspectionServer is an RFC 7662 endpoint with discovery; it checks the
// client's credential the way style sends it.
func introspectionServer(t *testing.T, style model.AuthStyle, answer, wantTenant string) *httptest.Server {
	var srv *httptest.Server
	srv = authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/.well-known/openid-configuration":
			fmt.Fprintf(w, `{"issuer":%q,"token_endpoint":%q,"introspection_endpoint":%q}`, srv.URL, srv.URL+"/oauth2/token", srv.URL+"/oauth2/introspect")
			return
		case "/oauth2/introspect":
		default:
			http.NotFound(w, r)
			return
		}
		if err := r.ParseForm(); err != nil {
			t.Error(err)
		}
		id, secret, basic := r.BasicAuth()
		ok := false
		switch style {
		case model.AuthHeader:
			ok = basic && id == "my-client" && secret == url.QueryEscape(authtest.Secret)
		case model.AuthAuto, model.AuthBody:
			// auto: this server only takes the body, after refusing Basic.
			ok = !basic && r.PostForm.Get("client_id") == "my-client" && r.PostForm.Get("client_secret") == authtest.Secret
		case model.AuthClientSecretJWT:
			_, err := jwt.Parse(r.PostForm.Get("client_assertion"), func(*jwt.Token) (any, error) { return []byte(authtest.Secret), nil },
				jwt.WithAudience(srv.URL+"/oauth2/token"), jwt.WithIssuer("my-client"))
			ok = err == nil && r.PostForm.Get("client_id") == "my-client"
		}
		if !ok {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprintf(w, `{"error":"invalid_client","error_description":"no good: %s"}`, r.PostForm.Get("token"))
			return
		}
		if r.Header.Get("X-Tenant") != wantTenant || r.Header.Get("X-Api-Only") != "" {
			t.Errorf("headers on the introspection request: tenant %q, api-only %q", r.Header.Get("X-Tenant"), r.Header.Get("X-Api-Only"))
		}
		if r.PostForm.Get("token") != "opaque-123" || r.PostForm.Get("token_type_hint") != "access_token" {
			t.Errorf("token %q hint %q", r.PostForm.Get("token"), r.PostForm.Get("token_type_hint"))
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, answer)
	})
	return srv
}

func TestIntrospect(t *testing.T) {
	const answer = `{"active":true,"scope":"read write","client_id":"my-client","sub":"my-client","exp":1900000000,"iat":1899996400,"ext":{"tenant":"a"},"token_type":"Bearer"}`
	tok := &model.Token{AccessToken: "opaque-123", TokenType: "bearer"}
	for _, style := range []model.AuthStyle{model.AuthAuto, model.AuthHeader, model.AuthBody, model.AuthClientSecretJWT} {
		t.Run(string(style), func(t *testing.T) {
			srv := introspectionServer(t, style, answer, "t1")
			p := authtest.Profile(srv, style) // no introspection URL: found by discovery
			p.Headers = []model.Header{{Name: "X-Tenant", Value: "t1", TokenRequest: true}, {Name: "X-Api-Only", Value: "1"}}
			in, err := NewClient().Introspect(context.Background(), p, authtest.Secret, tok)
			if err != nil {
				t.Fatal(err)
			}
			if !in.Active || in.Endpoint != srv.URL+"/oauth2/introspect" || !in.Exp.Equal(time.Unix(1900000000, 0)) {
				t.Errorf("got active=%v endpoint=%s exp=%v", in.Active, in.Endpoint, in.Exp)
			}
			if len(in.Claims) != 8 || in.Claims["scope"] != "read write" || in.Claims["ext"].(map[string]any)["tenant"] != "a" {
				t.Errorf("got claims %v; want the answer's eight fields", in.Claims)
			}
		})
	}
}

func TestIntrospectFailures(t *testing.T) {
	tok := &model.Token{AccessToken: "opaque-123"}
	// The server refuses the client: the OAuth2 error, without the token
	// it echoed or the secret.
	srv := introspectionServer(t, model.AuthHeader, `{}`, "")
	p := authtest.Profile(srv, model.AuthHeader)
	_, err := NewClient().Introspect(context.Background(), p, "wrong-secret", tok)
	var fe *FetchError
	if !errors.As(err, &fe) || fe.StatusCode != 401 || strings.Contains(err.Error(), "opaque-123") ||
		!strings.Contains(err.Error(), "introspection endpoint answered 401") {
		t.Errorf("refused: %v", err)
	}
	// An answer without "active" is not taken as inactive.
	srv = introspectionServer(t, model.AuthHeader, `{"scope":"x"}`, "")
	if _, err := NewClient().Introspect(context.Background(), authtest.Profile(srv, model.AuthHeader), authtest.Secret, tok); err == nil || !strings.Contains(err.Error(), `"active"`) {
		t.Errorf("no active: %v", err)
	}
	// No endpoint anywhere.
	bare := authtest.Server(t, http.NotFound)
	if _, err := NewClient().Introspect(context.Background(), authtest.Profile(bare, model.AuthHeader), authtest.Secret, tok); !errors.Is(err, ErrNoIntrospection) {
		t.Errorf("no endpoint: %v", err)
	}
	// A profile's own endpoint is used as is, and plain http to a remote
	// host is refused.
	remote := model.Profile{Name: "r", TokenURL: "https://example.com/token", ClientID: "c", IntrospectionURL: "http://example.com/introspect"}
	if _, err := NewClient().Introspect(context.Background(), remote, authtest.Secret, tok); err == nil || !strings.Contains(err.Error(), "clear text") {
		t.Errorf("insecure endpoint: %v", err)
	}
}

// Extra headers go on the copied requests and the test call; only those
// marked go on the token request, and only they change the fingerprint.
func TestExtraHeaders(t *testing.T) {
	var tokenHeaders, probeHeaders http.Header
	srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/oauth2/token" {
			tokenHeaders = r.Header.Clone()
			fmt.Fprint(w, `{"access_token":"hdr","token_type":"Bearer","expires_in":60}`)
			return
		}
		probeHeaders = r.Header.Clone()
		fmt.Fprint(w, `{}`)
	})
	p := authtest.Profile(srv, model.AuthHeader)
	p.BaseURL = srv.URL + "/"
	fp := p.Fingerprint()
	p.Headers = []model.Header{
		{Name: "X-Medplum-On-Behalf-Of", Value: "ProjectMembership/123"},
		{Name: "X-Medplum", Value: "extended"},
	}
	if p.Fingerprint() != fp {
		t.Error("headers for API calls changed the fingerprint")
	}
	p.Headers = append(p.Headers, model.Header{Name: "X-Gateway-Tenant", Value: "t1", TokenRequest: true})
	if p.Fingerprint() == fp {
		t.Error("a token-request header did not change the fingerprint")
	}
	tok, err := fetch(t, p)
	if err != nil {
		t.Fatal(err)
	}
	if tokenHeaders.Get("X-Gateway-Tenant") != "t1" || tokenHeaders.Get("X-Medplum") != "" {
		t.Errorf("token request headers: %v", tokenHeaders)
	}
	if _, err := NewClient().Probe(context.Background(), p, tok, "auth/me", ProbeAuth{}); err != nil {
		t.Fatal(err)
	}
	if probeHeaders.Get("X-Medplum-On-Behalf-Of") != "ProjectMembership/123" || probeHeaders.Get("X-Medplum") != "extended" ||
		probeHeaders.Get("X-Gateway-Tenant") != "t1" || probeHeaders.Get("Authorization") != "Bearer hdr" {
		t.Errorf("test call headers: %v", probeHeaders)
	}
	for _, bad := range []string{"Authorization: x", "Bad Name: x", "X-A: one\ntwo", ": x", "nocolon"} {
		h, err := model.ParseHeader(bad)
		if err == nil {
			err = model.Profile{Name: "n", TokenURL: "https://e/t", ClientID: "c", Headers: []model.Header{h}}.Validate()
		}
		if err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// The metadata's auth methods are checked for the new styles too.
func TestWarningsForNewStyles(t *testing.T) {
	m := &Metadata{AuthMethods: []string{"client_secret_basic", "self_signed_tls_client_auth"}}
	if w := m.Warnings(model.GrantClientCredentials, model.AuthTLS); len(w) != 0 {
		t.Errorf("tls: %v", w)
	}
	if w := m.Warnings(model.GrantClientCredentials, model.AuthClientSecretJWT); len(w) != 1 || !strings.Contains(w[0], "client_secret_jwt") {
		t.Errorf("client_secret_jwt: %v", w)
	}
	var got Metadata
	if err := json.Unmarshal([]byte(`{"token_endpoint":"x","scopes_supported":["a","b"],"introspection_endpoint":"i"}`), &got); err != nil || len(got.Scopes) != 2 || got.IntrospectionEndpoint != "i" {
		t.Errorf("metadata: %+v %v", got, err)
	}
}

// The test call trusts the profile's CA file, as the token request does.
func TestProbeTrustsCAFile(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"resourceType":"Practitioner"}`)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	t.Cleanup(srv.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o600); err != nil {
		t.Fatal(err)
	}
	p := model.Profile{Name: "dev", TokenURL: srv.URL + "/token", BaseURL: srv.URL + "/", ClientID: "c"}
	tok := &model.Token{AccessToken: "t", TokenType: "Bearer"}
	if _, err := NewClient().Probe(context.Background(), p, tok, "auth/me", ProbeAuth{}); err == nil {
		t.Error("an unknown CA was trusted")
	}
	p.CAFile = caFile
	r, err := NewClient().Probe(context.Background(), p, tok, "auth/me", ProbeAuth{})
	if err != nil || !r.OK() {
		t.Errorf("with the CA file: %v %v", r, err)
	}
}

// A certificate someone issued is not replaced behind their back: a key
// that does not go with it is refused; one Token Desk made for an old key
// is renewed.
func TestSettleKeyPair(t *testing.T) {
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Issuing CA"},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, _ := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, caKey.Public(), caKey)
	ca, _ := x509.ParseCertificate(caDER)
	clientKey, _ := keys.GenerateKey()
	signer, _ := keys.ParsePrivateKey(clientKey)
	leafDER, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "svc"},
		NotBefore: time.Now().Add(-time.Minute), NotAfter: time.Now().Add(time.Hour), ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, ca, signer.Public(), caKey)
	if err != nil {
		t.Fatal(err)
	}
	issued := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leafDER}))
	p := model.Profile{ClientID: "svc", AuthStyle: model.AuthTLS, ClientCert: issued}
	if key, m, err := keys.SettleKeyPair(&p, clientKey, "", time.Now()); err != nil || key != "" || m.Key || m.Cert || p.ClientCert != issued {
		t.Errorf("matching key: %v %+v", err, m)
	}
	otherKey, _ := keys.GenerateKey()
	if _, _, err := keys.SettleKeyPair(&p, otherKey, "", time.Now()); !errors.Is(err, keys.ErrCertMismatch) {
		t.Errorf("issued certificate, other key: %v", err)
	}
	self, _ := keys.SelfSignedCert(clientKey, "svc", time.Now())
	p.ClientCert = self
	if _, m, err := keys.SettleKeyPair(&p, otherKey, "", time.Now()); err != nil || !m.Cert || p.ClientCert == self {
		t.Errorf("self-signed certificate, other key: %v %+v", err, m)
	}
}
