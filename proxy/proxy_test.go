package proxy

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/internal/testapi"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/session"
	"github.com/tokendesk/tokendesk/storage"
)

const (
	clientSecret = "s3cret-client-value"
	headerSecret = "k-secret-header-value"
)

// fixture is a proxy in front of a test API.
type fixture struct {
	api  *testapi.API
	srv  *Server
	logs chan Entry
}

// entries waits for the next n log entries: a request's entry is logged
// once its handler returns, which may be after the client has its answer.
func (f *fixture) entries(t *testing.T, n int) []Entry {
	t.Helper()
	var out []Entry
	for range n {
		select {
		case e := <-f.logs:
			out = append(out, e)
		case <-time.After(30 * time.Second):
			t.Fatalf("got %d log entries; want %d", len(out), n)
		}
	}
	return out
}

// profileFor is a profile of api's client with a plain and a secret header.
func profileFor(api *testapi.API) model.Profile {
	return model.Profile{ID: "p1", Name: "local", TokenURL: api.TokenURL(), BaseURL: api.BaseURL(),
		ClientID: api.ClientID, AuthStyle: model.AuthHeader,
		Headers: []model.Header{{Name: "X-Tenant", Value: "t1"}, {Name: "X-Api-Key", Secret: true}}}
}

func newFixture(t testing.TB, change func(*model.Profile)) *fixture {
	t.Helper()
	api := testapi.New("cid", clientSecret)
	t.Cleanup(api.Close)
	keys := storage.NewKeychain(&storage.MemoryStore{})
	p := profileFor(api)
	if change != nil {
		change(&p)
	}
	if err := keys.SetClientSecret(p.ID, clientSecret); err != nil {
		t.Fatal(err)
	}
	if err := keys.SetHeaderValues(p.ID, map[string]string{"X-Api-Key": headerSecret}); err != nil {
		t.Fatal(err)
	}
	f := &fixture{api: api, logs: make(chan Entry, 1000)}
	f.srv = &Server{Profile: p, Keys: keys, Tokens: session.NewManager(keys, auth.NewClient()), Log: func(e Entry) { f.logs <- e }}
	if err := f.srv.Start(); err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() { _ = f.srv.Stop() })
	return f
}

func do(t *testing.T, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}

func echoOf(t *testing.T, resp *http.Response, body []byte) testapi.Echo {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %s: %s", resp.Status, body)
	}
	var e testapi.Echo
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("echo %s: %v", body, err)
	}
	return e
}

// echo sends req and decodes the API's echo.
func echo(t *testing.T, req *http.Request) testapi.Echo {
	t.Helper()
	resp, body := do(t, req)
	return echoOf(t, resp, body)
}

func TestForwardsAsSent(t *testing.T) {
	f := newFixture(t, nil)
	body := "hello, API"
	req, _ := http.NewRequest("PATCH", f.srv.URL()+"fhir/R4/Patient/a%2Fb?_count=2&x=a%20b", strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer what-the-client-sent")
	req.Header.Set("X-Custom", "kept")
	req.Header.Set("Cookie", "a=b")
	e := echo(t, req)
	sum := sha256.Sum256([]byte(body))
	for _, c := range []struct{ what, got, want string }{
		{"method", e.Method, "PATCH"},
		{"path", e.Path, "fhir/R4/Patient/a%2Fb"},
		{"query", e.Query, "_count=2&x=a%20b"},
		{"body", e.SHA256, hex.EncodeToString(sum[:])},
		{"X-Tenant", e.Header.Get("X-Tenant"), "t1"},
		{"X-Api-Key", e.Header.Get("X-Api-Key"), headerSecret},
		{"X-Custom", e.Header.Get("X-Custom"), "kept"},
		{"Cookie", e.Header.Get("Cookie"), ""},
	} {
		if c.got != c.want {
			t.Errorf("%s: got %q; want %q", c.what, c.got, c.want)
		}
	}
}

func TestRefusesWithoutKey(t *testing.T) {
	f := newFixture(t, nil)
	u := strings.TrimSuffix(f.srv.URL(), "/")
	key := u[strings.LastIndex(u, "/")+1:]
	root := strings.TrimSuffix(u, key)
	for _, path := range []string{"", "fhir/R4/Patient", "x" + key + "/a", key[:len(key)-1] + "/a", "a/" + key + "/b", "?key=" + key} {
		resp, body := do(t, mustGet(root+path))
		if resp.StatusCode != http.StatusForbidden {
			t.Errorf("%s: got %s; want 403", path, resp.Status)
		}
		if bytes.Contains(body, []byte(key)) {
			t.Errorf("%s: the 403 names the key", path)
		}
	}
	if n := f.api.Calls(); n != 0 {
		t.Errorf("API calls: got %d; want 0", n)
	}
	if n := f.api.Fetches(); n != 0 {
		t.Errorf("token fetches: got %d; want 0", n)
	}
}

func mustGet(u string) *http.Request {
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		panic(err)
	}
	return req
}

func TestRefusesDotSegments(t *testing.T) {
	f := newFixture(t, nil)
	for _, p := range []string{"a/../../token", "./x", "a/%2E%2E/b"} {
		resp, _ := do(t, mustGet(f.srv.URL()+p))
		if resp.StatusCode != http.StatusBadRequest {
			t.Errorf("%s: got %s; want 400", p, resp.Status)
		}
	}
	if n := f.api.Calls(); n != 0 {
		t.Errorf("API calls: got %d; want 0", n)
	}
}

// unsized hides a reader's length, so the body goes chunked.
type unsized struct{ io.Reader }

func TestReplayAfter401(t *testing.T) {
	big := bytes.Repeat([]byte("x"), MaxReplay+1)
	cases := []struct {
		name     string
		body     func() io.Reader
		replayed bool
	}{
		{"no body", func() io.Reader { return nil }, true},
		{"small body", func() io.Reader { return strings.NewReader("small") }, true},
		{"small body, chunked", func() io.Reader { return unsized{strings.NewReader("small")} }, true},
		{"body at the limit", func() io.Reader { return bytes.NewReader(big[:MaxReplay]) }, true},
		{"body over the limit", func() io.Reader { return bytes.NewReader(big) }, false},
		{"body over the limit, chunked", func() io.Reader { return unsized{bytes.NewReader(big)} }, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, nil)
			echo(t, mustGet(f.srv.URL()+"warm"))
			f.api.RevokeAll()
			req, _ := http.NewRequest("POST", f.srv.URL()+"again", c.body())
			resp, body := do(t, req)
			want, fetches := http.StatusUnauthorized, 1
			if c.replayed {
				want, fetches = http.StatusOK, 2
			}
			if resp.StatusCode != want {
				t.Fatalf("status: got %s; want %d (%s)", resp.Status, want, body)
			}
			if got := f.api.Fetches(); got != fetches {
				t.Errorf("token fetches: got %d; want %d", got, fetches)
			}
			if c.replayed {
				var b []byte
				if r := c.body(); r != nil {
					b, _ = io.ReadAll(r)
				}
				if e := echoOf(t, resp, body); e.Bytes != int64(len(b)) {
					t.Errorf("replayed body: got %d bytes; want %d", e.Bytes, len(b))
				}
			}
			log := f.entries(t, 2)
			if last := log[1]; last.Replayed != c.replayed || last.Status != want {
				t.Errorf("log: got %+v; want replayed=%v status %d", last, c.replayed, want)
			}
		})
	}
}

func TestReplaysOnlyACachedToken(t *testing.T) {
	f := newFixture(t, nil)
	f.api.RejectAll(true)
	// A token fetched for this very request is not fetched again: the 401
	// is the API's answer, not a stale token's.
	if resp, _ := do(t, mustGet(f.srv.URL()+"x")); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status: got %s; want 401", resp.Status)
	}
	if n := f.api.Fetches(); n != 1 {
		t.Errorf("token fetches, token fetched for the request: got %d; want 1", n)
	}
	// A cached token is: once.
	if resp, _ := do(t, mustGet(f.srv.URL()+"x")); resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("status: got %s; want 401", resp.Status)
	}
	if n := f.api.Fetches(); n != 2 {
		t.Errorf("token fetches, cached token: got %d; want 2", n)
	}
	if n := f.api.Calls(); n != 3 {
		t.Errorf("API calls: got %d; want 3", n)
	}
}

func TestTokenFailureIs502(t *testing.T) {
	f := newFixture(t, nil)
	if err := f.srv.Keys.SetClientSecret("p1", "wrong-secret-value"); err != nil {
		t.Fatal(err)
	}
	resp, body := do(t, mustGet(f.srv.URL()+"x"))
	if resp.StatusCode != http.StatusBadGateway {
		t.Fatalf("status: got %s; want 502", resp.Status)
	}
	text := string(body)
	if strings.Count(strings.TrimSpace(text), "\n") != 0 || !strings.Contains(text, "Invalid secret") {
		t.Errorf("body: got %q; want one line with the server's error", text)
	}
	if strings.Contains(text, "wrong-secret-value") || strings.Contains(text, clientSecret) {
		t.Errorf("body %q shows a secret", text)
	}
	if n := f.api.Calls(); n != 0 {
		t.Errorf("API calls: got %d; want 0", n)
	}
}

func TestUpstreamDownIs502(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String() + "/"
	l.Close()
	f := newFixture(t, func(p *model.Profile) { p.BaseURL = dead })
	resp, body := do(t, mustGet(f.srv.URL()+"x"))
	if resp.StatusCode != http.StatusBadGateway || !strings.Contains(string(body), "refused") {
		t.Errorf("got %s %q; want 502 naming the refused connection", resp.Status, body)
	}
}

func TestConcurrentRequestsShareOneFetch(t *testing.T) {
	f := newFixture(t, nil)
	var wg sync.WaitGroup
	codes := make([]int, 200)
	for i := range codes {
		wg.Go(func() {
			resp, err := http.Get(f.srv.URL() + "c/" + strconv.Itoa(i))
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			codes[i] = resp.StatusCode
		})
	}
	wg.Wait()
	for i, c := range codes {
		if c != http.StatusOK {
			t.Fatalf("request %d: got %d; want 200", i, c)
		}
	}
	if n := f.api.Fetches(); n != 1 {
		t.Errorf("token fetches: got %d; want 1", n)
	}
}

func TestStreamsBothWays(t *testing.T) {
	f := newFixture(t, nil)
	const size = 8 << 20
	resp, err := http.Get(f.srv.URL() + "stream?bytes=" + strconv.Itoa(size))
	if err != nil {
		t.Fatal(err)
	}
	n, _ := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if n != size {
		t.Errorf("download: got %d bytes; want %d", n, size)
	}
	pr, pw := io.Pipe()
	go func() {
		piece := bytes.Repeat([]byte("y"), 64<<10)
		for range size / len(piece) {
			if _, err := pw.Write(piece); err != nil {
				return
			}
		}
		pw.Close()
	}()
	req, _ := http.NewRequest("PUT", f.srv.URL()+"upload", pr)
	if e := echo(t, req); e.Bytes != size {
		t.Errorf("upload: got %d bytes; want %d", e.Bytes, size)
	}
}

func TestClientGoneCancelsUpstream(t *testing.T) {
	f := newFixture(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, "GET", f.srv.URL()+"hang", nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 5)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	cancel()
	resp.Body.Close()
	select {
	case <-f.api.Gone:
	case <-time.After(30 * time.Second):
		t.Fatal("the upstream request was not cancelled")
	}
}

func TestPortInUse(t *testing.T) {
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	port := l.Addr().(*net.TCPAddr).Port
	api := testapi.New("cid", clientSecret)
	defer api.Close()
	keys := storage.NewKeychain(&storage.MemoryStore{})
	_ = keys.SetHeaderValues("p1", map[string]string{"X-Api-Key": headerSecret})
	s := &Server{Profile: profileFor(api), Keys: keys, Tokens: session.NewManager(keys, auth.NewClient()), Port: port}
	err = s.Start()
	var inUse *PortInUseError
	if !errors.As(err, &inUse) || inUse.Port != port {
		t.Fatalf("got %v; want PortInUseError for %d", err, port)
	}
	if !strings.Contains(err.Error(), strconv.Itoa(port)) {
		t.Errorf("error %q does not name the port", err)
	}
}

func TestRefusesProfile(t *testing.T) {
	cases := []struct {
		name   string
		change func(*model.Profile)
		want   error
	}{
		{"no base URL", func(p *model.Profile) { p.BaseURL = "" }, ErrNoBaseURL},
		{"plain http to another host", func(p *model.Profile) { p.BaseURL = "http://api.example.com/" }, ErrInsecure},
		{"plain http, as model says it", func(p *model.Profile) { p.BaseURL = "http://api.example.com/" }, model.ErrInsecureBaseURL},
		{"secret header missing", func(p *model.Profile) {
			p.Headers = append(p.Headers, model.Header{Name: "X-Other", Secret: true})
		}, model.ErrHeaderMissing},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			api := testapi.New("cid", clientSecret)
			defer api.Close()
			keys := storage.NewKeychain(&storage.MemoryStore{})
			_ = keys.SetHeaderValues("p1", map[string]string{"X-Api-Key": headerSecret})
			p := profileFor(api)
			c.change(&p)
			s := &Server{Profile: p, Keys: keys, Tokens: session.NewManager(keys, auth.NewClient())}
			if err := s.Start(); !errors.Is(err, c.want) {
				_ = s.Stop()
				t.Errorf("got %v; want %v", err, c.want)
			}
		})
	}
}

func TestAllowInsecureStarts(t *testing.T) {
	api := testapi.New("cid", clientSecret)
	defer api.Close()
	keys := storage.NewKeychain(&storage.MemoryStore{})
	p := model.Profile{ID: "p1", Name: "x", TokenURL: api.TokenURL(), ClientID: "cid",
		BaseURL: "http://api.example.com/", AllowInsecure: true}
	s := &Server{Profile: p, Keys: keys, Tokens: session.NewManager(keys, auth.NewClient())}
	if err := s.Start(); err != nil {
		t.Fatalf("got %v; want a start", err)
	}
	_ = s.Stop()
}

func TestLogHasNoSecrets(t *testing.T) {
	f := newFixture(t, nil)
	echo(t, mustGet(f.srv.URL()+"fhir/Patient?token=q-secret"))
	f.api.RevokeAll()
	echo(t, mustGet(f.srv.URL()+"again"))
	key := strings.TrimSuffix(f.srv.URL()[strings.LastIndex(strings.TrimSuffix(f.srv.URL(), "/"), "/")+1:], "/")
	tok, err := f.srv.Tokens.Session(f.srv.Profile).Token(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	log := f.entries(t, 2)
	if log[0].Path != "/fhir/Patient" || log[0].Method != "GET" || log[0].Status != 200 {
		t.Fatalf("log: got %v; want two entries, the first GET /fhir/Patient 200", log)
	}
	for _, e := range log {
		line := e.String()
		for _, secret := range []string{key, tok.AccessToken, clientSecret, headerSecret, "q-secret"} {
			if strings.Contains(line, secret) {
				t.Errorf("log line %q shows a secret", line)
			}
		}
	}
}

func TestStopEndsServing(t *testing.T) {
	f := newFixture(t, nil)
	u := f.srv.URL()
	if err := f.srv.Stop(); err != nil {
		t.Fatal(err)
	}
	if _, err := http.Get(u + "x"); err == nil {
		t.Error("a request after Stop got an answer")
	}
	if f.srv.URL() != "" {
		t.Errorf("URL after Stop: got %q; want empty", f.srv.URL())
	}
}

func TestAutoRefresh(t *testing.T) {
	refreshEvery = 10 * time.Millisecond
	defer func() { refreshEvery = 5 * time.Second }()
	api := testapi.New("cid", clientSecret)
	defer api.Close()
	keys := storage.NewKeychain(&storage.MemoryStore{})
	_ = keys.SetClientSecret("p1", clientSecret)
	_ = keys.SetHeaderValues("p1", map[string]string{"X-Api-Key": headerSecret})
	p := profileFor(api)
	p.AutoRefresh = true
	now := time.Now()
	// 90 % of its lifetime gone: due for a refresh.
	if _, err := keys.SetToken(p.ID, model.Token{AccessToken: "old", IssuedAt: now.Add(-54 * time.Minute),
		Expiry: now.Add(6 * time.Minute), Fingerprint: p.Fingerprint()}); err != nil {
		t.Fatal(err)
	}
	m := session.NewManager(keys, auth.NewClient())
	changed := make(chan struct{}, 10)
	m.OnChange = func(string) { changed <- struct{}{} }
	m.Session(p).Load()
	s := &Server{Profile: p, Keys: keys, Tokens: m}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	for range 2 { // the refresh starts, then ends
		select {
		case <-changed:
		case <-time.After(30 * time.Second):
			t.Fatal("no auto-refresh")
		}
	}
	if n := api.Fetches(); n != 1 {
		t.Errorf("token fetches: got %d; want 1", n)
	}
	if tok, _ := keys.Token(p.ID); tok.AccessToken == "old" {
		t.Error("the cached token was not refreshed")
	}
}

func TestServesBothLoopbacks(t *testing.T) {
	f := newFixture(t, nil)
	u, err := url.Parse(f.srv.URL())
	if err != nil || u.Hostname() != "127.0.0.1" {
		t.Fatalf("URL %q: want http://127.0.0.1:PORT/KEY/", f.srv.URL())
	}
	hosts := []string{"127.0.0.1"}
	if l, err := net.Listen("tcp6", "[::1]:0"); err == nil {
		l.Close()
		hosts = append(hosts, "::1")
	}
	for _, h := range hosts {
		c, err := net.Dial("tcp", net.JoinHostPort(h, u.Port()))
		if err != nil {
			t.Errorf("%s: %v; want the proxy listening", h, err)
			continue
		}
		c.Close()
	}
}

// TestBasicOnBehalfOf: a profile whose API calls use Basic sends the
// client ID and secret, no token, and so may act on behalf of a user.
func TestBasicOnBehalfOf(t *testing.T) {
	f := newFixture(t, func(p *model.Profile) {
		p.APIAuth = model.APIBasic
		p.Headers = append(p.Headers, model.Header{Name: testapi.OnBehalfOf, Value: "ProjectMembership/42"})
	})
	req := mustGet(f.srv.URL() + "fhir/R4/Patient")
	req.Header.Set("Authorization", "Bearer what-the-client-sent")
	e := echo(t, req)
	if e.Auth != "basic" || e.OnBehalfOf != "ProjectMembership/42" {
		t.Errorf("got auth %q on behalf of %q; want basic, ProjectMembership/42", e.Auth, e.OnBehalfOf)
	}
	if n := f.api.Fetches(); n != 0 {
		t.Errorf("token fetches: got %d; want 0", n)
	}
	if got := f.entries(t, 1)[0]; got.Status != http.StatusOK {
		t.Errorf("log: got %v; want status 200", got)
	}
}
