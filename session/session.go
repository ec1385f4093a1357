// Package session owns each profile's token state: a Session hands out
// the cached token or starts one request that every caller shares,
// refreshes before expiry without storming the server, renews from a
// refresh token, and signs a person in and out. The Manager holds the
// sessions and what they share: the keychain (through storage), the token
// client (auth), the clock and a cap on requests under way.
package session

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/storage"
)

// State is where a profile's token stands.
type State int

// The token states; format.Status words them for the faces.
const (
	StateNone     State = iota // no token yet
	StateFetching              // a request is under way
	StateValid                 // a token with time left (or with no expiry given)
	StateExpiring              // under a minute, or under 10 % of its lifetime, left
	StateExpired               // the token's time is up
	StateFailed                // the last request failed
	StateSignIn                // a person must sign in (ErrSignInNeeded)
)

func (s State) String() string {
	return [...]string{"no token", "fetching", "valid", "expiring", "expired", "error", "sign-in needed"}[s]
}

// Status is a snapshot of a Session, for display.
type Status struct {
	State State
	// Token is the latest token, which may have expired; nil if none.
	Token *model.Token
	// Left is the time until Token expires; meaningful only when
	// Token.Expiry is set.
	Left time.Duration
	// Lifetime is the token's whole lifetime, for a progress bar.
	Lifetime time.Duration
	// Err is the last request's failure, cleared by a success.
	Err error
	// MemoryOnly says the keychain could not cache the token, so it
	// lives in this process only; CacheErr says why (errors.Is
	// storage.ErrTooLarge, storage.ErrKeychainLocked, …).
	MemoryOnly bool
	CacheErr   error
	// Loading says the keychain cache has not been read yet.
	Loading bool
	// KeychainErr is why the keychain could not be read (none, or locked),
	// when that is why no cached token was found.
	KeychainErr error
	// SignedIn says a person's sign-in is on file (the grants a person
	// signs in to), as User; RefreshExpiry is its refresh token's own
	// expiry, when the server gave one.
	SignedIn      bool
	User          model.User
	RefreshExpiry time.Time
}

// ExpiryKnown says whether the server gave the token a lifetime.
func (s Status) ExpiryKnown() bool { return s.Token != nil && !s.Token.Expiry.IsZero() }

// Fraction is the share of the token's lifetime still left, 0 to 1.
func (s Status) Fraction() float64 {
	if !s.ExpiryKnown() || s.Lifetime <= 0 {
		return 0
	}
	f := float64(s.Left) / float64(s.Lifetime)
	return min(max(f, 0), 1)
}

// Usable says whether the token may still be sent.
func (s Status) Usable() bool {
	return s.Token != nil && (!s.ExpiryKnown() || s.Left > 0)
}

// Session owns one profile's token state. Concurrent callers of Token share
// one request. Create sessions through a Manager.
type Session struct {
	m *Manager

	mu      sync.Mutex
	profile model.Profile
	fp      string // profile.Fingerprint(), kept: the ticker looks sessions up every second
	loaded  bool   // the keychain cache has been read
	tok     *model.Token
	memOnly bool
	err     error
	keyErr  error         // why the keychain could not be read, if it could not
	signIn  *model.SignIn // the sign-in on file, without its refresh token
	// signInRead says the sign-in has been read (Load).
	signInRead bool
	// read is the sign-in as Load read it, refresh token and all, and
	// when: a refresh that follows at once uses it rather than asking the
	// keychain again (see knownSignIn).
	read   model.SignIn
	readAt time.Time
	// seen is when the token held was known to be the keychain's: the
	// start of the read that found it, or when this process filed it. A
	// refresh another process finished later may have replaced it.
	seen time.Time
	call *call
	auto autoState
}

// autoState is what keeps auto-refresh from storming a server: one
// refresh per token, failures spaced by a growing backoff, and never more
// than one start per minAutoGap.
type autoState struct {
	// forTok is the token an auto-refresh was last started for.
	forTok *model.Token
	// last is when the last auto-refresh started.
	last time.Time
	// fails counts the auto-refreshes that failed in a row; retryAt is
	// when the next may start.
	fails   int
	retryAt time.Time
}

// Limits of auto-refresh, which no person asked for.
const (
	// minAutoGap spaces the auto-refreshes of one profile: at most four a
	// minute, whatever the tokens' lifetimes.
	minAutoGap = 15 * time.Second
	// firstBackoff follows the first failed auto-refresh of a token; each
	// further failure doubles it, up to maxBackoff.
	firstBackoff = 30 * time.Second
	maxBackoff   = 10 * time.Minute
)

// backoff is the wait after the n-th auto-refresh failure in a row.
func backoff(n int) time.Duration {
	d := firstBackoff
	for i := 1; i < n && d < maxBackoff; i++ {
		d *= 2
	}
	return min(d, maxBackoff)
}

type call struct {
	done   chan struct{}
	cancel context.CancelFunc
	tok    *model.Token
	err    error
}

// Profile returns the profile the session fetches for.
func (s *Session) Profile() model.Profile {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.profile
}

// setProfile updates the session's profile; a change to anything that
// decides the token drops the token held.
func (s *Session) setProfile(p model.Profile) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fp := p.Fingerprint()
	if s.fp != fp {
		s.tok, s.err, s.memOnly, s.auto = nil, nil, false, autoState{}
	}
	s.profile, s.fp = p, fp
}

// Load reads the cached token and, for the grants a person signs in to,
// who signed in from the keychain, once; it may block on the keychain, so
// the window calls it off the UI thread.
func (s *Session) Load() {
	s.mu.Lock()
	id, fp, want := s.profile.ID, s.fp, s.profile.GrantType().SignsIn() && !s.signInRead
	s.mu.Unlock()
	if !want {
		s.loadToken()
		return
	}
	// The sign-in and the token at once: a refresh that follows needs
	// both, and each is a keychain round trip or two.
	var si model.SignIn
	var err error
	read, at := make(chan struct{}), time.Now()
	go func() { si, err = s.m.keys.SignIn(id); close(read) }()
	s.loadToken()
	<-read
	s.mu.Lock()
	if !s.signInRead {
		s.signInRead = true
		if err == nil && si.Fingerprint == fp {
			s.read, s.readAt = si, at
			shown := si
			shown.RefreshToken = "" // not needed to show who signed in
			s.signIn = &shown
		}
	}
	s.mu.Unlock()
}

// knownFor is how long a sign-in read by Load stands in for a new read: a
// refresh in the same command uses it; a window's refresh, hours later,
// reads again, so it never offers a refresh token another process has
// rotated (a server may take that for a stolen token and revoke them all).
const knownFor = 2 * time.Second

// knownSignIn is the sign-in Load read, if it is that recent; one older
// is dropped, refresh token and all. s.mu is held.
func (s *Session) knownSignIn() *model.SignIn {
	if s.readAt.IsZero() || time.Since(s.readAt) > knownFor || s.read.Fingerprint != s.fp {
		s.read = model.SignIn{}
		return nil
	}
	si := s.read
	return &si
}

// loadToken reads the cached token from the keychain, once: all a token
// request needs.
func (s *Session) loadToken() {
	s.mu.Lock()
	if s.loaded {
		s.mu.Unlock()
		return
	}
	id, fp := s.profile.ID, s.fp
	s.mu.Unlock()

	at := time.Now()
	t, err := s.m.keys.Token(id)

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loaded {
		return
	}
	s.loaded, s.seen = true, at
	if errors.Is(err, storage.ErrKeychainUnavailable) || errors.Is(err, storage.ErrKeychainLocked) {
		s.keyErr = err
	}
	if err == nil && usable(&t, fp) && s.tok == nil {
		s.tok = &t
	}
}

// Status returns the session's state at now. It never waits for the
// keychain: before Load has run, Loading is set and no token is shown.
func (s *Session) Status(now time.Time) Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := Status{Token: s.tok, Err: s.err, MemoryOnly: s.memOnly, Loading: !s.loaded, KeychainErr: s.keyErr}
	if s.memOnly {
		st.CacheErr = s.m.keys.TokenCacheErr(s.profile.ID)
		if u, ok := s.m.unfiledFor(s.profile.ID); ok {
			st.CacheErr = fmt.Errorf("the new refresh token is held in this process only: %w", u.err)
		}
	}
	if s.signIn != nil {
		st.SignedIn, st.User, st.RefreshExpiry = true, s.signIn.User, s.signIn.Expiry
	}
	if t := s.tok; t != nil && !t.Expiry.IsZero() {
		st.Left = t.Expiry.Sub(now)
		st.Lifetime = t.Expiry.Sub(t.IssuedAt)
	}
	switch {
	case s.call != nil:
		st.State = StateFetching
	case errors.Is(s.err, ErrSignInNeeded):
		st.State = StateSignIn
	case s.err != nil:
		st.State = StateFailed
	case s.signInRead && s.signIn == nil && s.profile.GrantType().SignsIn() &&
		(s.tok == nil || !s.tok.Expiry.IsZero() && st.Left <= 0):
		// No sign-in on file (refused, signed out) and no token with time
		// left: only a person's sign-in gets the next one.
		st.State = StateSignIn
	case s.tok == nil:
		st.State = StateNone
	case s.tok.Expiry.IsZero():
		st.State = StateValid
	case st.Left <= 0:
		st.State = StateExpired
	case st.Left < time.Minute || (st.Lifetime > 0 && st.Left*10 < st.Lifetime):
		st.State = StateExpiring
	default:
		st.State = StateValid
	}
	return st
}

// fresh says whether t can be handed out at now without a new request.
func (s *Session) fresh(t *model.Token, now time.Time) bool { return s.m.fresh(t, now) }

// Token returns a token with more than its margin (Manager.marginFor) left: the one
// held or cached if there is one and force is false, or a new one. Callers
// that arrive while a request is under way share its result.
func (s *Session) Token(ctx context.Context, force bool) (*model.Token, error) {
	if !force {
		// A forced request has no use for the cache: it skips the keychain
		// read. A grant a person signs in to reads the sign-in with the
		// token, at once: an expired token is refreshed with it.
		s.Load()
	}
	s.mu.Lock()
	// A team profile's cached token too waits for its team file to be
	// allowed as it is now: the file may have changed where it is sent.
	if !force && s.call == nil && s.fresh(s.tok, s.m.Now()) && storage.CheckTeam(s.profile) == nil {
		t := s.tok
		s.mu.Unlock()
		return t, nil
	}
	c := s.call
	started := c == nil
	if started {
		c = s.start(false, force)
	}
	id := s.profile.ID
	s.mu.Unlock()
	if started {
		s.m.changed(id)
	}

	select {
	case <-c.done:
		return c.tok, c.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Fetch starts a request unless one is under way, without waiting for it.
func (s *Session) Fetch() {
	s.mu.Lock()
	started := s.call == nil
	if started {
		s.start(false, true)
	}
	id := s.profile.ID
	s.mu.Unlock()
	if started {
		s.m.changed(id)
	}
}

// Cancel stops the request under way, if any.
func (s *Session) Cancel() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.call != nil {
		s.call.cancel()
	}
}

// Forget drops the token held, so the next Token call asks the server.
func (s *Session) Forget() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tok, s.err, s.memOnly, s.loaded = nil, nil, false, true
}

// signedOut forgets the token and the sign-in.
func (s *Session) signedOut() {
	s.Forget()
	s.mu.Lock()
	s.signIn, s.signInRead, s.readAt = nil, true, time.Time{}
	id := s.profile.ID
	s.mu.Unlock()
	s.m.changed(id)
}

// adopt takes a token a sign-in got, with the sign-in (its refresh token
// is not kept here).
func (s *Session) adopt(t *model.Token, memOnly bool, si *model.SignIn) {
	shown := *si
	shown.RefreshToken = ""
	s.mu.Lock()
	s.tok, s.err, s.memOnly, s.keyErr, s.loaded, s.signIn, s.signInRead = t, nil, memOnly, nil, true, &shown, true
	s.auto.fails, s.auto.retryAt, s.readAt, s.seen = 0, time.Time{}, time.Time{}, time.Now()
	id := s.profile.ID
	s.mu.Unlock()
	s.m.changed(id)
}

// start begins a request, an auto-refresh if auto; fresh says a person
// asked for a new token, not merely for one with time left. s.mu is held.
func (s *Session) start(auto, fresh bool) *call {
	ctx, cancel := context.WithCancel(context.Background())
	c := &call{done: make(chan struct{}), cancel: cancel}
	s.call = c
	p, r := s.profile, request{known: s.knownSignIn(), knownAt: s.readAt, since: s.seen}
	s.read, s.readAt = model.SignIn{}, time.Time{} // used once; its refresh token not kept
	if fresh {
		r.since = time.Now()
	}
	if s.tok != nil {
		r.held = s.tok.IssuedAt
	}
	go func() {
		defer cancel()
		tok, memOnly, err := s.m.fetch(ctx, p, r)
		s.mu.Lock()
		c.tok, c.err = tok, err
		switch {
		case err != nil && ctx.Err() == context.Canceled:
			// Cancelled by a person: the session stays as it was.
		case err != nil:
			s.err = err
			if errors.Is(err, ErrSignInNeeded) {
				s.signIn = nil
			}
			if auto {
				s.auto.fails++
				s.auto.retryAt = s.m.Now().Add(backoff(s.auto.fails))
			}
		default:
			// The credential came from the keychain: it can be read again.
			s.tok, s.err, s.memOnly, s.keyErr, s.seen = tok, nil, memOnly, nil, time.Now()
			s.auto.fails, s.auto.retryAt = 0, time.Time{}
		}
		s.call = nil
		s.mu.Unlock()
		close(c.done)
		s.m.changed(p.ID)
	}()
	return c // the caller reports the start once s.mu is released
}

// RefreshDue says whether an auto-refresh should start at now: the profile
// asks for it, a token with a known expiry is held, 80 % of its lifetime
// (or all but its margin) has passed, and no person's request or earlier
// auto-refresh stands in the way. An auto-refresh fires once per token; a
// failed one is retried after a backoff while the token is still valid,
// and no profile starts more than one every minAutoGap.
func (s *Session) RefreshDue(now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.tok
	if !s.profile.AutoRefresh || s.call != nil || t == nil || t.Expiry.IsZero() {
		return false
	}
	if !s.auto.last.IsZero() && now.Sub(s.auto.last) < minAutoGap {
		return false
	}
	if s.auto.forTok == t && (s.auto.fails == 0 || now.Before(s.auto.retryAt) || !now.Before(t.Expiry)) {
		return false
	}
	life := t.Expiry.Sub(t.IssuedAt)
	due := t.IssuedAt.Add(life * 8 / 10)
	if m := t.Expiry.Add(-s.m.marginFor(t)); m.Before(due) {
		due = m
	}
	return !now.Before(due)
}

// AutoRefresh starts a refresh if RefreshDue and says whether it did.
func (s *Session) AutoRefresh(now time.Time) bool {
	if !s.RefreshDue(now) {
		return false
	}
	s.mu.Lock()
	started := s.call == nil
	if started {
		s.auto.forTok, s.auto.last = s.tok, now
		s.start(true, false)
	}
	id := s.profile.ID
	s.mu.Unlock()
	if started {
		s.m.changed(id)
	}
	return started
}

// Manager holds one Session per profile and what they share: the keychain,
// the HTTP client, the clock and a cap on concurrent requests.
type Manager struct {
	keys   *storage.Keychain
	client *auth.Client
	// Now is the clock; tests set it.
	Now    func() time.Time
	margin atomic.Int64 // the most a token's margin can be (marginFor)
	// OnChange, if set, is called (from any goroutine) when a session's
	// state changes because a request started or ended.
	OnChange func(profileID string)
	// Profiles looks a profile up by ID: the subject profile of a token
	// exchange. Nil: token exchange takes its subject from Subject only.
	Profiles func(id string) (model.Profile, error)
	// Subject gives the subject token of a token exchange profile that
	// names no subject profile (the CLI reads standard input); nil: none.
	Subject func(p model.Profile) (string, error)
	// HandOff hands a new access token to the keychain without waiting
	// for it to be written (storage.Keychain.SendToken), for a process
	// that exits soon after it has the token: a command of the command
	// line, not its proxy. A failure to cache it then goes unreported
	// (the next call fetches anew); a rotated refresh token is still
	// waited for.
	HandOff bool

	sem      chan struct{}
	mu       sync.Mutex
	sessions map[string]*Session
	// unfiled holds, by profile ID, a rotated sign-in the keychain refused
	// to file, and why: the server has replaced the refresh token on file,
	// so the next refresh must present this one (and file it).
	unfiled map[string]unfiledSignIn
}

// unfiledSignIn is a sign-in kept in memory because the keychain refused it.
type unfiledSignIn struct {
	si  model.SignIn
	err error
}

// keepUnfiled keeps si, which the keychain refused with err; a zero si
// forgets what was kept.
func (m *Manager) keepUnfiled(id string, si model.SignIn, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if si.RefreshToken == "" {
		delete(m.unfiled, id)
		return
	}
	if m.unfiled == nil {
		m.unfiled = map[string]unfiledSignIn{}
	}
	m.unfiled[id] = unfiledSignIn{si, err}
}

// unfiledFor is the sign-in kept for id, and why it is not on file.
func (m *Manager) unfiledFor(id string) (unfiledSignIn, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.unfiled[id]
	return u, ok
}

// MaxConcurrent caps the token requests under way at once, so that an
// auto-refresh storm over hundreds of profiles does not open hundreds of
// connections. At 16, "get token" for 50 profiles took 4.1× one fetch
// (bench/RESULTS.md); 32 keeps it at two rounds.
const MaxConcurrent = 32

// DefaultMargin is the refresh margin when the settings name none.
const DefaultMargin = 60 * time.Second

// marginShare is the share of a token's lifetime that is its margin when
// that is less than the manager's: a 45-second token is handed out until
// 4.5 s before it expires, not refreshed on every call.
const marginShare = 10 // per cent

// NewManager returns a Manager over the keychain and client.
func NewManager(keys *storage.Keychain, client *auth.Client) *Manager {
	m := &Manager{
		keys:     keys,
		client:   client,
		Now:      time.Now,
		sem:      make(chan struct{}, MaxConcurrent),
		sessions: map[string]*Session{},
	}
	m.margin.Store(int64(DefaultMargin))
	return m
}

// Margin is the most any token's refresh margin can be (the settings'
// RefreshMarginSeconds); see marginFor.
func (m *Manager) Margin() time.Duration { return time.Duration(m.margin.Load()) }

// fresh says whether t can be handed out at now without a new request.
func (m *Manager) fresh(t *model.Token, now time.Time) bool {
	if t == nil {
		return false
	}
	return t.Expiry.IsZero() || t.Expiry.Sub(now) > m.marginFor(t)
}

// marginFor is t's refresh margin: a token with less than this left is not
// handed out, and auto-refresh replaces it by then. It is the smaller of
// Margin and 10 % of t's lifetime, so that a token living no longer than
// the margin is not due for a refresh the moment it arrives.
func (m *Manager) marginFor(t *model.Token) time.Duration {
	life := t.Expiry.Sub(t.IssuedAt)
	return max(min(m.Margin(), life*marginShare/100), 0)
}

// SetMargin changes the refresh margin; zero or less means DefaultMargin.
func (m *Manager) SetMargin(d time.Duration) {
	if d <= 0 {
		d = DefaultMargin
	}
	m.margin.Store(int64(d))
}

// Session returns p's session, creating it on first use and updating its
// profile otherwise.
func (m *Manager) Session(p model.Profile) *Session {
	m.mu.Lock()
	s, ok := m.sessions[p.ID]
	if !ok {
		s = &Session{m: m, profile: p, fp: p.Fingerprint()}
		m.sessions[p.ID] = s
	}
	m.mu.Unlock()
	if ok {
		s.setProfile(p)
	}
	return s
}

// Drop forgets the session of a deleted profile.
func (m *Manager) Drop(id string) {
	m.mu.Lock()
	s := m.sessions[id]
	delete(m.sessions, id)
	m.mu.Unlock()
	if s != nil {
		s.Cancel()
	}
}

func (m *Manager) changed(id string) {
	if m.OnChange != nil {
		m.OnChange(id)
	}
}

// clientNow is the manager's client on the manager's clock (a copy: the
// HTTP clients and their cache are shared).
func (m *Manager) clientNow() *auth.Client {
	c := *m.client
	c.Now = m.Now
	return &c
}

// credential reads what p's client authenticates with (the client secret,
// or the private key for the styles that use one), from the keychain or
// from its secret reference; cancelling ctx cancels a reference being
// resolved. A team profile whose team file the person has not allowed as
// it is now gets none (storage.CheckTeam), so no request goes out for it.
func (m *Manager) credential(ctx context.Context, p model.Profile) (string, error) {
	if err := storage.CheckTeam(p); err != nil {
		return "", err
	}
	return m.keys.Credential(ctx, p)
}

// Introspect asks p's introspection endpoint about t, authenticating as
// p's client.
func (m *Manager) Introspect(ctx context.Context, p model.Profile, t *model.Token) (*auth.Introspection, error) {
	p, err := m.keys.ResolveContext(ctx, p)
	if err != nil {
		return nil, err
	}
	credential, err := m.credential(ctx, p)
	if err != nil {
		return nil, err
	}
	return m.clientNow().Introspect(ctx, p, credential, t)
}

// Probe calls p's API with t (Client.Probe), presenting the client
// certificate for a tls_client_auth profile, and with the client ID and
// secret instead of t for one whose API calls use Basic auth.
func (m *Manager) Probe(ctx context.Context, p model.Profile, t *model.Token, path string) (auth.ProbeResult, error) {
	p, err := m.keys.ResolveContext(ctx, p)
	if err != nil {
		return auth.ProbeResult{}, err
	}
	key, secret := "", ""
	if auth.PresentsCert(p.Style()) {
		if key, err = m.credential(ctx, p); err != nil {
			return auth.ProbeResult{}, err
		}
	}
	if p.BasicAPI() {
		if secret, err = m.keys.Secret(ctx, p); err != nil {
			return auth.ProbeResult{}, err
		}
	}
	return m.clientNow().Probe(ctx, p, t, path, auth.ProbeAuth{Key: key, Secret: secret})
}

// request is what a session knows when it asks for a token.
type request struct {
	// known is the sign-in Load read a moment ago, if any, read from
	// knownAt on.
	known   *model.SignIn
	knownAt time.Time
	// A token another process refreshed after since, issued after held,
	// will do.
	since, held time.Time
}

// fetch gets p's token the way its grant does, and caches it. For the
// grants a person signs in to, one process at a time refreshes (the
// window and the command line share the keychain): a token another
// process refreshed meanwhile is taken from the keychain instead, if it is
// newer than the one held and fresh.
func (m *Manager) fetch(ctx context.Context, p model.Profile, r request) (*model.Token, bool, error) {
	known := r.known
	p, err := m.keys.ResolveContext(ctx, p)
	if err != nil {
		return nil, false, err
	}
	secret, err := m.credential(ctx, p)
	if err != nil {
		return nil, false, err
	}
	// get returns the token and, from a refresh that rotated it, the
	// sign-in to file beside it.
	get := func(ctx context.Context) (*model.Token, *model.SignIn, error) {
		t, err := m.clientNow().Fetch(ctx, p, secret)
		return t, nil, err
	}
	switch p.GrantType() {
	case model.GrantAuthorizationCode, model.GrantDeviceCode:
		get = func(ctx context.Context) (*model.Token, *model.SignIn, error) { return m.renew(ctx, p, secret, known) }
	case model.GrantTokenExchange:
		get = func(ctx context.Context) (*model.Token, *model.SignIn, error) {
			t, err := m.exchange(ctx, p, secret)
			return t, nil, err
		}
	}
	// The lock before a slot: a process waiting for another's refresh
	// holds up no other profile's request.
	var lock *storage.RefreshLock
	if p.GrantType().SignsIn() {
		if lock, err = m.lockRefresh(ctx, p); err != nil {
			return nil, false, err
		}
		defer lock.Unlock()
	}
	// A token exchange takes no slot: its subject token may need one.
	if p.GrantType() != model.GrantTokenExchange {
		select {
		case m.sem <- struct{}{}:
			defer func() { <-m.sem }()
		case <-ctx.Done():
			return nil, false, errors.New("token request cancelled")
		}
	}
	if lock != nil {
		last := lock.Last()
		if !last.IsZero() && !last.Before(r.since) {
			if t, err := m.keys.Token(p.ID); err == nil && usable(&t, p.Fingerprint()) && t.IssuedAt.After(r.held) && m.fresh(&t, m.Now()) {
				return &t, false, nil
			}
		}
		if !last.IsZero() && !last.Before(r.knownAt) {
			known = nil // a refresh since may have rotated the refresh token: renew reads it again
		}
		tok, memOnly, err := m.getAndCache(ctx, p, get)
		if err == nil {
			// Also when only the sign-in could be filed: a rotated refresh
			// token is what another process must not reuse.
			lock.Filed()
		}
		return tok, memOnly, err
	}
	return m.getAndCache(ctx, p, get)
}

// lockWait bounds the wait for another process's refresh of the same
// profile: longer than any token request takes.
const lockWait = 2 * auth.DefaultTimeout

// ErrRefreshBusy says another process held a profile's refresh lock for
// longer than lockWait: stopped mid-refresh (Ctrl+Z), perhaps.
var ErrRefreshBusy = errors.New("another Token Desk process has been refreshing this profile's token for too long")

// lockRefresh takes p's refresh lock (storage.Keychain.LockRefresh),
// waiting at most lockWait.
func (m *Manager) lockRefresh(ctx context.Context, p model.Profile) (*storage.RefreshLock, error) {
	wctx, cancel := context.WithTimeout(ctx, lockWait)
	defer cancel()
	lock, err := m.keys.LockRefresh(wctx, p.ID)
	if err != nil && ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("%q: %w (%s); try again", p.Name, ErrRefreshBusy, lockWait)
	}
	return lock, err
}

// getAndCache runs get and caches what it got: the token and, when a
// refresh rotated it, the sign-in.
func (m *Manager) getAndCache(ctx context.Context, p model.Profile, get func(context.Context) (*model.Token, *model.SignIn, error)) (*model.Token, bool, error) {
	tok, si, err := get(ctx)
	if err != nil {
		m.forgetRef(p)
		return nil, false, err
	}
	if si == nil {
		return tok, m.cache(p.ID, tok), nil
	}
	// A rotated refresh token and the new access token, filed at once.
	filed := make(chan error, 1)
	go func() { filed <- m.keys.SetSignIn(p.ID, *si) }()
	memOnly := m.cache(p.ID, tok)
	if err := <-filed; err != nil {
		// The server has replaced the refresh token on file: this one is
		// kept in memory for the next refresh, which files it again.
		m.keepUnfiled(p.ID, *si, err)
		return tok, true, nil
	}
	m.keepUnfiled(p.ID, model.SignIn{}, nil)
	return tok, memOnly, nil
}

// cache files tok in the keychain and says whether it could only be kept
// in memory (too large, locked, not running: the token is good, only the
// cache is not; the keychain says why, TokenCacheErr).
func (m *Manager) cache(id string, tok *model.Token) (memoryOnly bool) {
	set := m.keys.SetToken
	if m.HandOff {
		set = m.keys.SendToken
	}
	memOnly, err := set(id, *tok)
	return memOnly || err != nil
}

// usable says whether a token read from the keychain may be handed out for
// a profile whose fingerprint is fp: cached for these settings, and (it may
// have been cached before its syntax was checked) well formed.
func usable(t *model.Token, fp string) bool { return t.Fingerprint == fp && auth.WellFormed(t) }
