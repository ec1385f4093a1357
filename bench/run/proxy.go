package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/internal/testapi"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/proxy"
	"github.com/tokendesk/tokendesk/session"
	"github.com/tokendesk/tokendesk/storage"
)

// proxyRows sends rounds of 100 concurrent small GETs through the local
// proxy and straight to the API with the token, interleaved. The row with a
// target has the API answer in 50 ms, the server latency of the token
// storm row; the one for the record has it answer at once, which leaves
// only the cost of the second HTTP hop on a loopback, all in one process.
func proxyRows() {
	for _, latency := range []time.Duration{50 * time.Millisecond, 0} {
		p, d := measureProxy(latency, 100, 30)
		what := fmt.Sprintf("100 concurrent small requests through `tokendesk proxy` (API latency %s)", latency)
		lat, thr := float64(p.latency)/float64(d.latency), p.perSec/d.perSec
		r := row{what: what,
			ours:  fmt.Sprintf("%s, %.0f req/s", ms(p.latency), p.perSec),
			ref:   fmt.Sprintf("direct %s, %.0f req/s", ms(d.latency), d.perSec),
			ratio: fmt.Sprintf("%.2f× latency, %.2f× throughput", lat, thr)}
		if latency > 0 {
			r.target, r.met = "≤ 1.2× latency, ≥ 0.8× throughput", lat <= 1.2 && thr >= 0.8
		}
		add(r)
	}
}

// load is what rounds of concurrent requests measured: the median request
// latency and the requests per second over all rounds.
type load struct {
	latency time.Duration
	perSec  float64
}

// measureProxy runs rounds of n concurrent requests, alternating between
// the proxy and the API directly, after one warm-up round of each.
func measureProxy(latency time.Duration, n, rounds int) (viaProxy, direct load) {
	api := testapi.New("bench-client", benchSecret)
	defer api.Close()
	api.Latency = latency
	keys := storage.NewKeychain(&storage.MemoryStore{}) // the keychain is not what is measured here
	p := model.Profile{ID: "px", Name: "px", TokenURL: api.TokenURL(), BaseURL: api.BaseURL(), ClientID: api.ClientID,
		AuthStyle: model.AuthHeader}
	check(keys.SetClientSecret(p.ID, benchSecret))
	m := session.NewManager(keys, auth.NewClient())
	srv := &proxy.Server{Profile: p, Keys: keys, Tokens: m}
	check(srv.Start())
	defer srv.Stop()
	tok, err := m.Session(p).Token(context.Background(), false)
	check(err)

	client := func() *http.Client {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = auth.APIIdleConns
		return &http.Client{Transport: tr}
	}
	pc, dc := client(), client()
	round := func(c *http.Client, url string, header string) ([]time.Duration, time.Duration) {
		lats := make([]time.Duration, n)
		var wg sync.WaitGroup
		t0 := time.Now()
		for i := range n {
			wg.Go(func() {
				req, _ := http.NewRequest("GET", url, nil)
				if header != "" {
					req.Header.Set("Authorization", header)
				}
				s := time.Now()
				resp, err := c.Do(req)
				check(err)
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					fail("proxy bench: %s", resp.Status)
				}
				lats[i] = time.Since(s)
			})
		}
		wg.Wait()
		return lats, time.Since(t0)
	}
	viaURL, directURL, header := srv.URL()+"fhir/R4/Patient?_count=1", api.BaseURL()+"fhir/R4/Patient?_count=1", auth.HeaderValue(tok)
	round(pc, viaURL, "")
	round(dc, directURL, header)
	var pl, dl []time.Duration
	var pt, dt time.Duration
	for range rounds {
		l, w := round(pc, viaURL, "")
		pl, pt = append(pl, l...), pt+w
		l, w = round(dc, directURL, header)
		dl, dt = append(dl, l...), dt+w
	}
	total := float64(n * rounds)
	return load{median(pl), total / pt.Seconds()}, load{median(dl), total / dt.Seconds()}
}
