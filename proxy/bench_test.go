package proxy

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/tokendesk/tokendesk/auth"
)

// benchGet sends b.N small GETs from parallel clients to url.
func benchGet(b *testing.B, url, authz string) {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = auth.APIIdleConns
	c := &http.Client{Transport: tr}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req, _ := http.NewRequest("GET", url, nil)
			if authz != "" {
				req.Header.Set("Authorization", authz)
			}
			resp, err := c.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("status %s", resp.Status)
				return
			}
		}
	})
}

// BenchmarkRequest is a small API request through the proxy and straight
// to the API with the token: the proxy's cost is the difference.
func BenchmarkRequest(b *testing.B) {
	f := newFixture(b, nil)
	f.srv.Log = nil
	tok, err := f.srv.Tokens.Session(f.srv.Profile).Token(context.Background(), false)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("proxy", func(b *testing.B) { benchGet(b, f.srv.URL()+"fhir/R4/Patient", "") })
	b.Run("direct", func(b *testing.B) {
		benchGet(b, f.api.BaseURL()+"fhir/R4/Patient", auth.HeaderValue(tok))
	})
}
