package session

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/internal/authtest"
	"github.com/tokendesk/tokendesk/keys"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/storage"
)

// A keychain that cannot be read is said on the session, so that the window
// does not claim the secret is simply "in the keychain".
func TestStatusSaysKeychainUnreadable(t *testing.T) {
	m := NewManager(storage.NewKeychain(deadKeychain{}), auth.NewClient())
	s := m.Session(model.Profile{ID: "x", Name: "x", TokenURL: "https://a.example/token", ClientID: "c"})
	s.Load()
	if st := s.Status(time.Now()); !errors.Is(st.KeychainErr, storage.ErrKeychainUnavailable) || st.Loading {
		t.Errorf("status %+v", st)
	}
	ok := NewManager(storage.NewKeychain(&storage.MemoryStore{}), auth.NewClient()).Session(model.Profile{ID: "y", Name: "y", TokenURL: "https://a.example/token", ClientID: "c"})
	ok.Load()
	if st := ok.Status(time.Now()); st.KeychainErr != nil {
		t.Errorf("a working keychain: %v", st.KeychainErr)
	}
}

// The test call of a tls_client_auth profile presents its certificate, as
// an API that checks certificate-bound tokens (RFC 8705 §3) requires.
func TestProbePresentsClientCertificate(t *testing.T) {
	pk := authtest.NewPKI(t)
	clientKey, _ := keys.GenerateKey()
	clientCert, _ := keys.SelfSignedCert(clientKey, "svc", time.Now())
	block, _ := pem.Decode([]byte(clientCert))
	leaf, _ := x509.ParseCertificate(block.Bytes)
	trusted := x509.NewCertPool()
	trusted.AddCert(leaf)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, `{"ok":true}`)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	srv.TLS = &tls.Config{Certificates: []tls.Certificate{pk.ServerTLS}, ClientAuth: tls.RequireAndVerifyClientCert, ClientCAs: trusted}
	srv.StartTLS()
	t.Cleanup(srv.Close)

	keys := storage.NewKeychain(&storage.MemoryStore{})
	p := model.Profile{ID: "m", Name: "m", TokenURL: srv.URL + "/token", BaseURL: srv.URL + "/", ClientID: "svc",
		AuthStyle: model.AuthTLS, ClientCert: clientCert, CAFile: pk.CAFile}
	if err := keys.SetPrivateKey(p.ID, clientKey); err != nil {
		t.Fatal(err)
	}
	tok := &model.Token{AccessToken: "bound", TokenType: "Bearer"}
	r, err := NewManager(keys, auth.NewClient()).Probe(context.Background(), p, tok, "auth/me")
	if err != nil || !r.OK() {
		t.Fatalf("with the certificate: %v %v", r, err)
	}
	if _, err := auth.NewClient().Probe(context.Background(), p, tok, "auth/me", auth.ProbeAuth{}); err == nil {
		t.Error("the server took a call without a client certificate; the test proves nothing")
	}
}

// A server that echoes a secret header's value back in its error does not
// get it onto the screen.
func TestSecretHeaderValueRedacted(t *testing.T) {
	const key = "api-key-value-echoed-9"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, `{"error":"invalid_request","error_description":"bad key %s"}`, r.Header.Get("X-Api-Key"))
	}))
	t.Cleanup(srv.Close)
	keys := storage.NewKeychain(&storage.MemoryStore{})
	p := model.Profile{ID: "p", Name: "gw", TokenURL: srv.URL + "/token", ClientID: "c", AuthStyle: model.AuthBody,
		Headers: []model.Header{{Name: "X-Api-Key", Value: key, Secret: true, TokenRequest: true}}}
	if err := keys.SetClientSecret(p.ID, "s"); err != nil {
		t.Fatal(err)
	}
	if _, err := keys.SaveHeaderValues(p); err != nil {
		t.Fatal(err)
	}
	p.Headers[0].Value = ""
	_, err := NewManager(keys, auth.NewClient()).Session(p).Token(context.Background(), true)
	var fe *auth.FetchError
	if !errors.As(err, &fe) || fe.Code != "invalid_request" {
		t.Fatalf("want the server's error, got %v", err)
	}
	if strings.Contains(err.Error(), key) || strings.Contains(fe.Description, key) || !strings.Contains(fe.Description, "[redacted]") {
		t.Errorf("the echoed value reached the error: %q", fe.Description)
	}
}

// deadKeychain is a Secret Service that is not there.
type deadKeychain struct{}

func (deadKeychain) Get(string) (string, error) { return "", storage.ErrKeychainUnavailable }

func (deadKeychain) Set(string, string) error { return storage.ErrKeychainUnavailable }

func (deadKeychain) Delete(string) error { return storage.ErrKeychainUnavailable }
