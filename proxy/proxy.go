// Package proxy serves a profile's API on loopback with the profile's token
// added, so that a tool without OAuth2 support (Postman, a script, a test
// suite) can call the API through http://127.0.0.1:PORT/<key>/<path>.
package proxy

import (
	"bytes"
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/session"
	"github.com/tokendesk/tokendesk/storage"
)

// MaxReplay is the largest request body kept for a replay after a 401: a
// larger one streams through and its 401 is passed on.
const MaxReplay = 1 << 20

// Errors Start returns, for callers to branch on.
var (
	ErrNoBaseURL = errors.New("the profile has no base URL to forward to: set one in its settings")
	// ErrInsecure is model.ErrInsecureBaseURL as the proxy says it:
	// errors.Is finds either.
	ErrInsecure = fmt.Errorf("the proxy will not forward: %w", model.ErrInsecureBaseURL)
	ErrStarted  = errors.New("the proxy is already running")
)

// PortInUseError says the port asked for is taken.
type PortInUseError struct{ Port int }

func (e *PortInUseError) Error() string {
	return fmt.Sprintf("port %d is already in use on the loopback interface: choose another port", e.Port)
}

// Entry is one request that went through, for a log. It never holds a
// token, a secret, a query or a body.
type Entry struct {
	Time     time.Time
	Method   string
	Path     string // the path after the key; "" for a request refused without a key
	Status   int    // 0 when the client went away before an answer
	Duration time.Duration
	Replayed bool   // a new token was fetched after a 401 and the request sent again
	Err      string // why the proxy answered 502, in one line
}

// String is the entry as a log line.
func (e Entry) String() string {
	path := e.Path
	if path == "" {
		path = "(no key)"
	}
	s := fmt.Sprintf("%s %s %s %d %s", e.Time.Format("15:04:05.000"), e.Method, path, e.Status, e.Duration.Round(time.Millisecond))
	if e.Replayed {
		s += " (replayed with a new token)"
	}
	if e.Err != "" {
		s += ": " + e.Err
	}
	return s
}

// Server forwards requests to one profile's API. Several may run in one
// process, sharing a Manager: each profile has its own port and key. Set
// the fields, then call Start.
type Server struct {
	// Profile is the profile served.
	Profile model.Profile
	// Keys holds the proxy key and the secret header values.
	Keys *storage.Keychain
	// Tokens fetches, caches and refreshes the profile's tokens.
	Tokens *session.Manager
	// Port is the loopback port; zero means any free one.
	Port int
	// Log, if set, is called (from any goroutine) after each request.
	Log func(Entry)

	mu      sync.Mutex
	profile model.Profile // with secret header values
	secret  string        // the client secret, for Basic API calls only
	sess    *session.Session
	key     string
	url     string
	base    *url.URL
	http    *http.Server
	stop    context.CancelFunc
	done    sync.WaitGroup
}

// Start checks the profile, binds 127.0.0.1 and ::1 (when the machine has
// IPv6) on the port and serves until Stop.
func (s *Server) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.http != nil {
		return ErrStarted
	}
	p := s.Profile
	if p.BaseURL == "" {
		return ErrNoBaseURL
	}
	base, err := url.Parse(p.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return fmt.Errorf("base URL %q: want an http:// or https:// URL", p.BaseURL)
	}
	if !p.AllowInsecure && !model.SecureTransport(p.BaseURL) {
		return ErrInsecure
	}
	if p, err = s.Keys.Resolve(p); err != nil {
		return err
	}
	secret := ""
	if p.BasicAPI() {
		if secret, err = s.Keys.Secret(context.Background(), p); err != nil {
			return err
		}
	}
	key, err := s.Keys.ProxyKey(p.ID)
	if err != nil {
		return err
	}
	tr, err := s.Tokens.APITransport(p)
	if err != nil {
		return err
	}
	ls, port, err := listen(s.Port)
	if err != nil {
		return err
	}
	s.profile, s.secret, s.key, s.base = p, secret, key, base
	s.sess = s.Tokens.Session(s.Profile)
	s.url = "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port)) + "/" + key + "/"
	rp := &httputil.ReverseProxy{
		Rewrite:       s.rewrite,
		Transport:     &replayTransport{s: s, base: tr},
		BufferPool:    buffers,
		FlushInterval: -1,
		ErrorHandler:  s.fail,
		ModifyResponse: func(resp *http.Response) error {
			stateOf(resp.Request.Context()).status = resp.StatusCode
			resp.Header.Del("Set-Cookie") // cookies do not cross the proxy: see rewrite
			return nil
		},
		ErrorLog: discardLog,
	}
	hs := &http.Server{Handler: s.handler(rp), ReadHeaderTimeout: 30 * time.Second, ErrorLog: discardLog}
	ctx, stop := context.WithCancel(context.Background())
	s.http, s.stop = hs, stop
	for _, l := range ls {
		s.done.Add(1)
		go func() {
			defer s.done.Done()
			_ = hs.Serve(l)
		}()
	}
	s.done.Add(1)
	go func() {
		defer s.done.Done()
		s.refresh(ctx)
	}()
	return nil
}

// URL is the base URL clients use, key included, ending in a slash; empty
// before Start.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.url
}

// Stop closes the listeners and every connection, cancelling requests under
// way (and so their upstream requests).
func (s *Server) Stop() error {
	s.mu.Lock()
	hs, stop := s.http, s.stop
	s.http, s.url = nil, ""
	s.mu.Unlock()
	if hs == nil {
		return nil
	}
	stop()
	err := hs.Close()
	s.done.Wait()
	return err
}

// refreshEvery is how often the server looks whether an auto-refresh is
// due; a variable for tests.
var refreshEvery = 5 * time.Second

// refresh keeps the token fresh for a profile that asks for auto-refresh,
// as the window does.
func (s *Server) refresh(ctx context.Context) {
	tick := time.NewTicker(refreshEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
			s.sess.AutoRefresh(s.Tokens.Now())
		}
	}
}

// listen binds port on both loopback addresses. Never a wildcard address:
// another machine must not reach the proxy.
func listen(port int) ([]net.Listener, int, error) {
	for try := 0; ; try++ {
		l4, err := net.Listen("tcp4", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			if addrInUse(err) {
				return nil, 0, &PortInUseError{Port: port}
			}
			return nil, 0, fmt.Errorf("listen on 127.0.0.1: %w", err)
		}
		got := l4.Addr().(*net.TCPAddr).Port
		l6, err := net.Listen("tcp6", net.JoinHostPort("::1", strconv.Itoa(got)))
		switch {
		case err == nil:
			return []net.Listener{l4, l6}, got, nil
		case !addrInUse(err):
			return []net.Listener{l4}, got, nil // no IPv6 loopback here
		}
		l4.Close()
		if port != 0 || try == 10 {
			return nil, 0, &PortInUseError{Port: got}
		}
		// The free IPv4 port is taken on ::1: draw another.
	}
}

// buffers are the proxies' copy buffers, shared: without a pool each
// response costs a new 32 KiB buffer.
var buffers = &bufferPool{}

type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() []byte {
	if buf, ok := b.p.Get().(*[]byte); ok {
		return *buf
	}
	return make([]byte, 32<<10)
}

func (b *bufferPool) Put(buf []byte) { b.p.Put(&buf) }

// discardLog keeps net/http's own log lines (which may quote a URL, key
// and all) off standard error.
var discardLog = log.New(io.Discard, "", 0)

// state is what one request's handling learns, for its log entry.
type state struct {
	path     string
	token    *model.Token
	cached   bool      // token was there before the request came
	body     *keptBody // nil: no body, or one too large to replay
	status   int
	replayed bool
	err      string
}

type stateKey struct{}

func stateOf(ctx context.Context) *state { return ctx.Value(stateKey{}).(*state) }

// handler admits requests that carry the key, fetches the token, and hands
// them to the reverse proxy.
func (s *Server) handler(rp *httputil.ReverseProxy) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		st := &state{}
		defer func() {
			if s.Log != nil {
				s.Log(Entry{Time: start, Method: r.Method, Path: st.path, Status: st.status,
					Duration: time.Since(start), Replayed: st.replayed, Err: st.err})
			}
		}()
		rest, ok := s.admit(r.URL)
		if !ok {
			st.status = http.StatusForbidden
			http.Error(w, "forbidden: the path must start with the proxy's key", http.StatusForbidden)
			return
		}
		st.path = rest.Path
		if dotSegment(rest.Path) {
			st.status = http.StatusBadRequest
			http.Error(w, "bad request: no . or .. segments in the path", http.StatusBadRequest)
			return
		}
		ctx := context.WithValue(r.Context(), stateKey{}, st)
		r = r.WithContext(ctx)
		r.URL = rest
		var err error
		if st.body, err = keep(r); err != nil {
			s.fail(w, r, err)
			return
		}
		if s.profile.BasicAPI() {
			rp.ServeHTTP(w, r) // the client ID and secret, no token
			return
		}
		asked := s.Tokens.Now()
		t, err := s.sess.Token(ctx, false)
		if err != nil {
			s.fail(w, r, &tokenError{name: s.Profile.Name, err: err})
			return
		}
		st.token, st.cached = t, t.IssuedAt.Before(asked)
		rp.ServeHTTP(w, r)
	})
}

// admit checks the key, in constant time, and returns the URL without it.
func (s *Server) admit(u *url.URL) (*url.URL, bool) {
	p := u.EscapedPath()
	if !strings.HasPrefix(p, "/") {
		return nil, false
	}
	seg, rest, _ := strings.Cut(p[1:], "/")
	if subtle.ConstantTimeCompare([]byte(seg), []byte(s.key)) != 1 {
		return nil, false
	}
	path, err := url.PathUnescape("/" + rest)
	if err != nil {
		return nil, false
	}
	out := *u
	out.Path, out.RawPath = path, ""
	if out.EscapedPath() != "/"+rest {
		out.RawPath = "/" + rest // keep the client's escaping, %2F and all
	}
	return &out, true
}

// dotSegment says whether a path has . or .. segments, which could climb
// out of the base URL's path.
func dotSegment(p string) bool {
	for seg := range strings.SplitSeq(p, "/") {
		if seg == "." || seg == ".." {
			return true
		}
	}
	return false
}

// rewrite points the request at the profile's API, with its headers and
// the token (or for Basic API calls the client ID and secret); the
// client's own Authorization is replaced. Cookies are left
// out both ways: a browser sends the proxy every cookie of 127.0.0.1,
// whichever local app on whichever port set it.
func (s *Server) rewrite(pr *httputil.ProxyRequest) {
	pr.SetURL(s.base)
	pr.Out.Header.Del("Cookie")
	st := stateOf(pr.In.Context())
	// The headers are checked at Start; an error here cannot happen.
	_ = auth.SetAPIHeaders(pr.Out.Header, s.profile, st.token, s.secret)
	if st.body != nil {
		pr.Out.GetBody = nil // the replay builds its own
	}
}

// tokenError is a token the proxy could not get for a request.
type tokenError struct {
	name string
	err  error
}

func (e *tokenError) Error() string { return fmt.Sprintf("no token for %q: %v", e.name, e.err) }
func (e *tokenError) Unwrap() error { return e.err }

// fail answers 502 with the cause in one line, or nothing to a client that
// has gone away.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	st := stateOf(r.Context())
	if r.Context().Err() != nil {
		st.status, st.err = 0, "the client went away"
		return
	}
	var te *tokenError
	var msg string
	switch {
	case errors.As(err, &te):
		msg = err.Error()
	case errors.Is(err, errBodyRead):
		msg = err.Error()
	default:
		msg = fmt.Sprintf("%s did not answer: %v", s.base.Host, err)
	}
	msg = oneLine(msg)
	st.status, st.err = http.StatusBadGateway, msg
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusBadGateway)
	fmt.Fprintln(w, "tokendesk proxy: "+msg)
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

var errBodyRead = errors.New("read the request body")

// keptBody is a request body kept for a replay: all of it when the client
// declared a length up to MaxReplay, else what streams through, while it
// stays under MaxReplay.
type keptBody struct {
	mu   sync.Mutex
	r    io.ReadCloser
	buf  bytes.Buffer
	full bool // the body ended within MaxReplay
	over bool
}

// keep reads a small body of declared length in full and watches a body of
// unknown length as it streams; a large declared body is left alone.
func keep(r *http.Request) (*keptBody, error) {
	switch {
	case r.Body == nil || r.Body == http.NoBody || r.ContentLength == 0:
		return &keptBody{full: true}, nil
	case r.ContentLength > 0 && r.ContentLength <= MaxReplay:
		b, err := io.ReadAll(io.LimitReader(r.Body, r.ContentLength))
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errBodyRead, err)
		}
		r.Body.Close()
		r.Body = io.NopCloser(bytes.NewReader(b))
		kb := &keptBody{full: true}
		kb.buf.Write(b)
		return kb, nil
	case r.ContentLength > MaxReplay:
		return nil, nil
	}
	kb := &keptBody{r: r.Body}
	r.Body = kb
	return kb, nil
}

func (b *keptBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.over {
		if b.buf.Len()+n > MaxReplay {
			b.over = true
			b.buf = bytes.Buffer{}
		} else {
			b.buf.Write(p[:n])
		}
	}
	if err == io.EOF && !b.over {
		b.full = true
	}
	return n, err
}

func (b *keptBody) Close() error { return b.r.Close() }

// replay returns the whole body again, if it was kept.
func (b *keptBody) replay() ([]byte, bool) {
	if b == nil {
		return nil, false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes()), b.full
}

// replayTransport sends a request again, once, with a new token when the
// API answers 401 to a cached one.
type replayTransport struct {
	s    *Server
	base http.RoundTripper
}

func (rt *replayTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx := req.Context()
	st := stateOf(ctx)
	resp, err := rt.base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized || !st.cached {
		return resp, err // a token fetched for this very request is not fetched again
	}
	body, ok := st.body.replay()
	if !ok {
		return resp, nil
	}
	t, err := rt.s.renew(ctx, st.token)
	if err != nil {
		resp.Body.Close()
		return nil, &tokenError{name: rt.s.Profile.Name, err: err}
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // keep the connection for the replay
	resp.Body.Close()
	again := req.Clone(ctx)
	again.Body = io.NopCloser(bytes.NewReader(body))
	again.ContentLength = int64(len(body))
	if len(body) == 0 {
		again.Body = nil
	}
	if err := auth.SetAPIHeaders(again.Header, rt.s.profile, t, rt.s.secret); err != nil {
		return nil, err
	}
	st.token, st.replayed = t, true
	return rt.base.RoundTrip(again)
}

// renew returns a token other than old: one another request already
// fetched, or a new one. Requests that see the same 401 share one fetch.
func (s *Server) renew(ctx context.Context, old *model.Token) (*model.Token, error) {
	t, err := s.sess.Token(ctx, false)
	if err == nil && t.AccessToken != old.AccessToken {
		return t, nil
	}
	return s.sess.Token(ctx, true)
}
