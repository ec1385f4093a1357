package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"html"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/tokendesk/tokendesk/internal/safetext"
	"github.com/tokendesk/tokendesk/model"
)

// Callback errors a face branches on.
var (
	// ErrStateMismatch is a callback whose state is not the sign-in's: a
	// stale tab, or a forged request (RFC 6749 §10.12).
	ErrStateMismatch = errors.New("the browser came back with the wrong state (an old sign-in tab, or a forged request); sign in again")
	// ErrIssuerMismatch is a callback whose iss names another server (RFC
	// 9207, a mix-up attack).
	ErrIssuerMismatch = errors.New("the browser came back from another authorization server than the profile's (iss differs); sign in again")
)

// PortInUseError is a redirect port that another program (or another
// sign-in) holds.
type PortInUseError struct{ Addr string }

func (e *PortInUseError) Error() string {
	return fmt.Sprintf("cannot listen for the sign-in on %s: the port is in use (another sign-in, or another program); close it or choose another redirect port", e.Addr)
}

// AuthorizeError is an error callback (RFC 6749 §4.1.2.1), such as
// access_denied when the person said no.
type AuthorizeError struct{ Code, Description string }

func (e *AuthorizeError) Error() string {
	s := "the authorization server refused the sign-in: " + safetext.Escape(e.Code)
	if e.Description != "" {
		s += ": " + safetext.Escape(e.Description)
	}
	return s
}

// Is makes an access_denied callback ErrAccessDenied.
func (e *AuthorizeError) Is(target error) bool {
	return target == ErrAccessDenied && e.Code == "access_denied"
}

// listener takes the one callback of a sign-in on the loopback interface
// (RFC 8252 §7.3): it binds loopback only, answers one callback on its
// path, and is closed after it.
type listener struct {
	redirect string // the redirect URI, as sent
	path     string
	state    string
	issuer   string // checked against iss when both are known
	srv      *http.Server
	lns      []net.Listener

	once sync.Once
	got  chan callback
	// stray counts callbacks with the wrong state, which are answered and
	// otherwise ignored.
	stray atomic.Int32
}

// callback is what the browser brought back.
type callback struct {
	code string
	err  error
}

// listen binds p's redirect: its exact RedirectURI, or
// http://127.0.0.1:PORT/callback on its RedirectPort or a free one.
func listen(p model.Profile, state string) (*listener, error) {
	l := &listener{state: state, issuer: p.Issuer, got: make(chan callback, 1), path: "/callback"}
	var hosts []string
	port := strconv.Itoa(p.RedirectPort)
	if p.RedirectURI != "" {
		u, err := model.ParseRedirect(p.RedirectURI)
		if err != nil {
			return nil, err
		}
		l.path, port = u.EscapedPath(), u.Port()
		if l.path == "" {
			l.path = "/"
		}
		hosts = []string{u.Hostname()}
		if net.ParseIP(u.Hostname()) == nil && model.Loopback(u.Hostname()) {
			// The browser resolves localhost to either; bind both it may pick.
			hosts = []string{"127.0.0.1", "::1"}
		}
	} else {
		hosts = []string{"127.0.0.1"}
	}
	for i, h := range hosts {
		ln, err := net.Listen("tcp", net.JoinHostPort(h, port))
		if err != nil {
			if i > 0 && !errors.Is(err, syscall.EADDRINUSE) {
				continue // no IPv6 loopback here: IPv4 will do
			}
			l.closeListeners()
			if errors.Is(err, syscall.EADDRINUSE) {
				return nil, &PortInUseError{Addr: net.JoinHostPort(h, port)}
			}
			return nil, fmt.Errorf("listen for the sign-in on %s: %w", net.JoinHostPort(h, port), err)
		}
		l.lns = append(l.lns, ln)
		port = strconv.Itoa(ln.Addr().(*net.TCPAddr).Port) // the one a free port became
	}
	if p.RedirectURI != "" {
		l.redirect = p.RedirectURI
	} else {
		l.redirect = "http://127.0.0.1:" + port + l.path
	}
	l.srv = &http.Server{Handler: http.HandlerFunc(l.serve), ReadHeaderTimeout: 10 * time.Second}
	for _, ln := range l.lns {
		go func() { _ = l.srv.Serve(ln) }()
	}
	return l, nil
}

func (l *listener) closeListeners() {
	for _, ln := range l.lns {
		_ = ln.Close()
	}
}

// serve answers the callback, once; other paths are not found, a callback
// with the wrong state is refused without ending the sign-in (any web page
// may send one to a fixed port), and a second callback is told the sign-in
// is over.
func (l *listener) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.EscapedPath() != l.path {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Referrer-Policy", "no-referrer")
	if !l.rightState(r.URL.Query()) {
		l.stray.Add(1)
		page(w, http.StatusBadRequest, "This is not the callback Token Desk waits for: its state is wrong (an old sign-in tab, or a request from another page). A sign-in under way goes on: finish it in the tab it opened.")
		return
	}
	handled := false
	l.once.Do(func() {
		handled = true
		cb := l.read(r.URL.Query())
		status, msg := http.StatusOK, "You are signed in to Token Desk. You can close this tab and go back to the app."
		if cb.err != nil {
			status, msg = http.StatusBadRequest, "Token Desk did not sign you in: "+cb.err.Error()+". Go back to the app."
		}
		page(w, status, msg)
		l.got <- cb
	})
	if !handled {
		page(w, http.StatusConflict, "This sign-in is over. Go back to the app.")
	}
}

// page answers with msg as a page.
func page(w http.ResponseWriter, status int, msg string) {
	w.WriteHeader(status)
	fmt.Fprintf(w, "<!doctype html><meta charset=utf-8><title>Token Desk</title><p>%s</p>\n", html.EscapeString(msg))
}

// rightState says whether a callback carries the sign-in's state.
func (l *listener) rightState(q url.Values) bool {
	return subtle.ConstantTimeCompare([]byte(q.Get("state")), []byte(l.state)) == 1
}

// read checks a callback of the right state: iss first, then the error
// or the code.
func (l *listener) read(q url.Values) callback {
	if iss := q.Get("iss"); iss != "" && l.issuer != "" && iss != l.issuer {
		return callback{err: ErrIssuerMismatch}
	}
	if code := q.Get("error"); code != "" {
		return callback{err: &AuthorizeError{Code: cut(code, 80), Description: cut(q.Get("error_description"), 300)}}
	}
	if q.Get("code") == "" {
		return callback{err: errors.New("the browser came back without an authorization code")}
	}
	return callback{code: q.Get("code")}
}

// wait returns the callback's code, or why there is none: ctx ended (the
// sign-in was cancelled or timed out), then also ErrStateMismatch if a
// callback with the wrong state came meanwhile.
func (l *listener) wait(ctx context.Context) (string, error) {
	select {
	case cb := <-l.got:
		return cb.code, cb.err
	case <-ctx.Done():
		if n := l.stray.Load(); n > 0 {
			return "", fmt.Errorf("%w; %d callback(s) with the wrong state came meanwhile: %w", ctx.Err(), n, ErrStateMismatch)
		}
		return "", ctx.Err()
	}
}

// close stops listening, letting an answer under way finish.
func (l *listener) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = l.srv.Shutdown(ctx)
	l.closeListeners()
}
