package auth

import (
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tokendesk/tokendesk/internal/authtest"
	"github.com/tokendesk/tokendesk/model"
)

func TestHostileAnswers(t *testing.T) {
	tests := []struct {
		name    string
		handler http.HandlerFunc
		want    []string
	}{
		{"403", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(403) }, []string{"403 Forbidden"}},
		{"500 JSON", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(500)
			fmt.Fprint(w, `{"error":"server_error","error_description":"database down"}`)
		}, []string{"500 Internal Server Error", "server_error: database down"}},
		{"429 with date", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Retry-After", time.Date(2030, 1, 1, 10, 30, 0, 0, time.UTC).Format(http.TimeFormat))
			w.WriteHeader(429)
		}, []string{"429 Too Many Requests", "retry after"}},
		{"200 not JSON", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"access_token": "abc", `)
		}, []string{"cannot parse"}},
		{"200 no access_token", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprint(w, `{"token_type":"bearer","expires_in":3600}`)
		}, []string{"missing access_token"}},
		{"50 MB", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			chunk := []byte(strings.Repeat("x", 1<<20))
			for range 50 {
				if _, err := w.Write(chunk); err != nil {
					return // the client stopped reading, as it should
				}
			}
		}, []string{"larger than 1024 KiB", "stopped reading"}},
		{"closes mid-body", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Content-Length", "1000")
			fmt.Fprint(w, `{"access_token":"abc`)
			conn, _, _ := w.(http.Hijacker).Hijack()
			conn.Close()
		}, []string{"unexpected EOF"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := authtest.Server(t, tt.handler)
			_, err := fetch(t, authtest.Profile(srv, model.AuthBody))
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q; want %q", err, w)
				}
			}
		})
	}
}

func TestOtherTokenTypeUsedAsGiven(t *testing.T) {
	srv := authtest.Server(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"abc","token_type":"DPoP","expires_in":60}`)
	})
	tok, err := fetch(t, authtest.Profile(srv, model.AuthBody))
	if err != nil {
		t.Fatal(err)
	}
	if got := HeaderValue(tok); got != "DPoP abc" {
		t.Errorf("header %q", got)
	}
}

func TestTimeoutFires(t *testing.T) {
	p := authtest.Profile(authtest.Hang(t), model.AuthAuto)
	p.TimeoutSeconds = 1
	_, err := fetch(t, p)
	if err == nil || !strings.Contains(err.Error(), "no answer from") || !strings.Contains(err.Error(), "within 1s") {
		t.Errorf("got %v; want a timeout naming the host", err)
	}
}

func TestUntrustedCertificateAndCAFile(t *testing.T) {
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"over-tls","token_type":"bearer"}`)
	}))
	defer srv.Close()
	p := model.Profile{Name: "dev", TokenURL: srv.URL + "/token", ClientID: "c", AuthStyle: model.AuthBody}
	_, err := fetch(t, p)
	if err == nil || !strings.Contains(err.Error(), "did not verify") || !strings.Contains(err.Error(), "--ca-file") {
		t.Fatalf("got %v; want a verification error that names the CA-file option", err)
	}
	ca := filepath.Join(t.TempDir(), "ca.pem")
	block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(ca, block, 0o600); err != nil {
		t.Fatal(err)
	}
	p.CAFile = ca
	tok, err := fetch(t, p)
	if err != nil || tok.AccessToken != "over-tls" {
		t.Errorf("with the CA file: %v", err)
	}
	p.CAFile = filepath.Join(t.TempDir(), "missing.pem")
	if _, err := fetch(t, p); err == nil || !strings.Contains(err.Error(), "CA file") {
		t.Errorf("missing CA file: %v", err)
	}
}
