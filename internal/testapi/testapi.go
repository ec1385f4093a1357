// Package testapi is an OAuth2 token endpoint and an API that checks the
// bearer tokens it issued, in one test server: for tests and benchmarks of
// what calls an API with a token (the local proxy).
package testapi

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// API is the server. Its token endpoint is TokenURL (client_secret_basic or
// _post); its API lives under BaseURL:
//
//   - stream?bytes=N answers N bytes, flushed in 32 KiB pieces;
//   - hang answers a first piece, then waits until the client goes away and
//     reports that on Gone;
//   - anything else echoes the request as JSON (Echo).
//
// A request without a token it issued (or after RevokeAll) gets 401,
// unless it carries the client's ID and secret as HTTP Basic, as Medplum
// accepts them. A request on behalf of a user (OnBehalfOf header) must
// use Basic: with a token it gets 401, as from Medplum.
type API struct {
	*httptest.Server
	ClientID, Secret string
	// Latency is waited before each API answer (not the token endpoint's).
	Latency time.Duration
	// Gone receives one value each time a hang request's client went away.
	Gone chan struct{}

	fetches atomic.Int64
	calls   atomic.Int64
	reject  atomic.Bool
	mu      sync.Mutex
	tokens  map[string]bool
}

// Echo is what the API answers to an ordinary request.
type Echo struct {
	Method string      `json:"method"`
	Path   string      `json:"path"`    // as sent, escaped, under BaseURL
	Query  string      `json:"query"`   // raw
	Header http.Header `json:"headers"` // without Authorization
	Bytes  int64       `json:"bytes"`   // the body's length
	SHA256 string      `json:"sha256"`  // the body's hash, hex
	Auth   string      `json:"auth"`    // "basic" or "bearer": how the call authenticated
	// OnBehalfOf is the OnBehalfOf header's value, when the call had one.
	OnBehalfOf string `json:"onBehalfOf,omitempty"`
}

// OnBehalfOf is Medplum's header for a ClientApplication acting on behalf
// of a user.
const OnBehalfOf = "X-Medplum-On-Behalf-Of"

// New starts an API for one client.
func New(clientID, secret string) *API {
	a := &API{ClientID: clientID, Secret: secret, Gone: make(chan struct{}, 16), tokens: map[string]bool{}}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /token", a.token)
	mux.HandleFunc("/api/", a.api)
	a.Server = httptest.NewServer(mux)
	return a
}

// TokenURL is the token endpoint.
func (a *API) TokenURL() string { return a.URL + "/token" }

// BaseURL is the API's base URL, ending in a slash.
func (a *API) BaseURL() string { return a.URL + "/api/" }

// Fetches says how many tokens the endpoint has issued.
func (a *API) Fetches() int { return int(a.fetches.Load()) }

// Calls says how many API requests arrived, with a token or without.
func (a *API) Calls() int { return int(a.calls.Load()) }

// RejectAll makes the API answer 401 to every request, or stop doing so.
func (a *API) RejectAll(on bool) { a.reject.Store(on) }

// RevokeAll makes every token issued so far invalid.
func (a *API) RevokeAll() {
	a.mu.Lock()
	defer a.mu.Unlock()
	clear(a.tokens)
}

// Valid says whether token was issued and not revoked.
func (a *API) Valid(token string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.tokens[token]
}

func (a *API) token(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	w.Header().Set("Content-Type", "application/json")
	if r.PostFormValue("grant_type") != "client_credentials" || id != a.ClientID || secret != a.Secret {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprint(w, `{"error":"invalid_client","error_description":"Invalid secret"}`)
		return
	}
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	tok := "tapi-" + hex.EncodeToString(b)
	a.mu.Lock()
	a.tokens[tok] = true
	a.mu.Unlock()
	a.fetches.Add(1)
	fmt.Fprintf(w, `{"access_token":%q,"token_type":"bearer","expires_in":3600}`, tok)
}

func (a *API) api(w http.ResponseWriter, r *http.Request) {
	a.calls.Add(1)
	if a.Latency > 0 {
		time.Sleep(a.Latency) // the simulated server latency
	}
	how, ok := a.authorized(r)
	if !ok || a.reject.Load() {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		http.Error(w, "invalid token", http.StatusUnauthorized)
		return
	}
	obo := r.Header.Get(OnBehalfOf)
	if obo != "" && how != "basic" {
		http.Error(w, "On-Behalf-Of needs Basic authentication with the client ID and secret", http.StatusUnauthorized)
		return
	}
	path := strings.TrimPrefix(r.URL.EscapedPath(), "/api/")
	switch path {
	case "stream":
		n, _ := strconv.Atoi(r.URL.Query().Get("bytes"))
		piece := make([]byte, 32<<10)
		for n > 0 {
			k := min(n, len(piece))
			if _, err := w.Write(piece[:k]); err != nil {
				return
			}
			http.NewResponseController(w).Flush()
			n -= k
		}
		return
	case "hang":
		fmt.Fprintln(w, "first piece")
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
		a.Gone <- struct{}{}
		return
	}
	h := sha256.New()
	n, _ := io.Copy(h, r.Body)
	hdr := r.Header.Clone()
	hdr.Del("Authorization")
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(Echo{Method: r.Method, Path: path, Query: r.URL.RawQuery, Header: hdr,
		Bytes: n, SHA256: hex.EncodeToString(h.Sum(nil)), Auth: how, OnBehalfOf: obo})
}

// authorized says how r authenticated: a token the endpoint issued, or the
// client's ID and secret as Basic.
func (a *API) authorized(r *http.Request) (how string, ok bool) {
	if id, secret, basic := r.BasicAuth(); basic {
		return "basic", id == a.ClientID && secret == a.Secret
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return "bearer", ok && a.Valid(tok)
}
