package session

import (
	"errors"
	"time"

	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/storage"
)

// Reload reads the cached token from the keychain again, for when another
// process (the command line, another window) cached or forgot it: a cached
// token for the profile as it stands replaces the one held, and a
// forgotten one is dropped. A request under way or ended meanwhile, a
// failure to read the keychain, and a token kept in memory only (too large
// for the keychain) leave the session as it is. It may block on the
// keychain.
func (s *Session) Reload() {
	s.mu.Lock()
	id, fp, held, signsIn := s.profile.ID, s.fp, s.tok, s.profile.GrantType().SignsIn()
	s.mu.Unlock()

	at := time.Now()
	t, err := s.m.keys.Token(id)
	var si model.SignIn
	siErr := storage.ErrNotFound
	if signsIn {
		si, siErr = s.m.keys.SignIn(id) // a login or logout elsewhere changes who is signed in
	}

	s.mu.Lock()
	changed := false
	switch {
	case s.call != nil || s.memOnly || s.tok != held || s.fp != fp:
		// A request, or new settings, came meanwhile: newer than what was read.
	case err == nil && usable(&t, fp):
		if s.tok == nil || s.tok.AccessToken != t.AccessToken {
			s.tok, s.err, s.keyErr = &t, nil, nil
			changed = true
		}
		s.seen = at
	case errors.Is(err, storage.ErrNotFound):
		if s.tok != nil {
			s.tok = nil
			changed = true
		}
		s.seen = at
	}
	if err == nil || errors.Is(err, storage.ErrNotFound) {
		s.loaded = true
	}
	if signsIn && (siErr == nil || errors.Is(siErr, storage.ErrNotFound)) {
		old := s.signIn
		s.signIn, s.signInRead = nil, true
		if siErr == nil && si.Fingerprint == fp {
			si.RefreshToken = "" // not needed to show who signed in
			s.signIn = &si
		}
		changed = changed || (old == nil) != (s.signIn == nil) || old != nil && s.signIn != nil && old.User != s.signIn.User
	}
	s.mu.Unlock()
	if changed {
		s.m.changed(id)
	}
}
