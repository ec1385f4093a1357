package auth

import (
	"context"
	"encoding/pem"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

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
			srv := server(t, tt.handler)
			_, err := fetch(t, profileFor(srv, model.AuthBody))
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
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"access_token":"abc","token_type":"DPoP","expires_in":60}`)
	})
	tok, err := fetch(t, profileFor(srv, model.AuthBody))
	if err != nil {
		t.Fatal(err)
	}
	if got := Header(tok); got != "Authorization: DPoP abc" {
		t.Errorf("header %q", got)
	}
}

// hang is a token endpoint that accepts the request and never answers.
func hang(t *testing.T) *httptest.Server {
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

func TestTimeoutFires(t *testing.T) {
	p := profileFor(hang(t), model.AuthAuto)
	p.TimeoutSeconds = 1
	_, err := fetch(t, p)
	if err == nil || !strings.Contains(err.Error(), "no answer from") || !strings.Contains(err.Error(), "within 1s") {
		t.Errorf("got %v; want a timeout naming the host", err)
	}
}

func TestCancel(t *testing.T) {
	m, _, _ := manager(t)
	s := m.Session(profileFor(hang(t), model.AuthBody))
	started := make(chan struct{})
	m.OnChange = func(string) {
		select {
		case <-started:
		default:
			close(started)
		}
	}
	done := make(chan error, 1)
	go func() { _, err := s.Token(context.Background(), true); done <- err }()
	<-started
	s.Cancel()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "cancelled") {
		t.Errorf("got %v; want cancelled", err)
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

func TestSecretsNotFormatted(t *testing.T) {
	tok := model.Token{AccessToken: "tok-visible-nowhere", Extra: nil}
	var logged strings.Builder
	slog.New(slog.NewTextHandler(&logged, nil)).Info("token", "t", tok)
	for _, s := range []string{fmt.Sprintf("%v", tok), fmt.Sprintf("%+v", tok), fmt.Sprintf("%#v", tok), fmt.Sprint(&tok), logged.String()} {
		if strings.Contains(s, "tok-visible-nowhere") {
			t.Errorf("formatted token shows its value: %s", s)
		}
	}
}

// TestHammerOneSession drives one session from many goroutines while a
// ticker reads its status, for the race detector.
func TestHammerOneSession(t *testing.T) {
	var mu sync.Mutex
	n := 0
	srv := server(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		n++
		i := n
		mu.Unlock()
		fmt.Fprintf(w, `{"access_token":"t%d","token_type":"bearer","expires_in":90}`, i)
	})
	m, _, _ := manager(t)
	p := profileFor(srv, model.AuthBody)
	p.AutoRefresh = true
	stop := make(chan struct{})
	var ticker sync.WaitGroup
	ticker.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				s := m.Session(p)
				_ = s.Status(time.Now())
				s.AutoRefresh(time.Now())
			}
		}
	})
	var wg sync.WaitGroup
	for i := range 32 {
		wg.Go(func() {
			s := m.Session(p)
			for j := range 20 {
				switch (i + j) % 4 {
				case 0:
					_, _ = s.Token(context.Background(), false)
				case 1:
					_, _ = s.Token(context.Background(), true)
				case 2:
					s.Fetch()
				case 3:
					_ = s.Status(time.Now()).Describe()
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	ticker.Wait()
	if st := m.Session(p).Status(time.Now()); st.Token == nil && st.Err == nil && st.State != StateFetching {
		t.Errorf("after the hammering: %+v", st)
	}
}
