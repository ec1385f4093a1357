// Package core is the operations both faces call: adding, editing,
// renaming and deleting a profile with its secrets, importing and
// exporting profiles, and getting, cancelling and forgetting tokens. The
// window and the command line parse input, call a Desk and render what it
// returns; neither writes the profiles file or the keychain itself.
package core

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/keys"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/session"
	"github.com/tokendesk/tokendesk/storage"
)

// Profiles is the profiles file (storage.Store).
type Profiles interface {
	Load() (*storage.File, error)
	Update(func(*storage.File) error) error
}

// Keys is the keychain (storage.Keychain).
type Keys interface {
	ClientSecret(id string) (string, error)
	SetClientSecret(id, secret string) error
	PrivateKey(id string) (string, error)
	SetPrivateKey(id, pem string) error
	// Secret is a profile's client secret wherever it lives: its secret
	// reference or the keychain.
	Secret(ctx context.Context, p model.Profile) (string, error)
	// SaveHeaderValues files a profile's secret header values after an
	// edit (storage.MergeHeaderValues).
	SaveHeaderValues(p model.Profile) (tokenChanged bool, err error)
	DeleteToken(id string) error
	Forget(id string) error
}

// Sessions owns the token state of each profile (session.Manager).
type Sessions interface {
	Session(p model.Profile) *session.Session
	Drop(id string)
	SignIn(ctx context.Context, p model.Profile, o auth.SignInOptions) (model.User, error)
	SignOut(ctx context.Context, p model.Profile) (session.SignedOut, error)
}

// Desk does every operation that changes Token Desk's state.
type Desk struct {
	store    Profiles
	keys     Keys
	sessions Sessions
	// Now is the clock (certificates made for a key); nil means time.Now.
	Now func() time.Time

	mu      sync.Mutex
	pending map[*Deleted]bool // removed profiles whose keychain items are kept (Remove)
}

// New returns a Desk over the profiles file, the keychain and the token
// sessions.
func New(store Profiles, keys Keys, sessions Sessions) *Desk {
	return &Desk{store: store, keys: keys, sessions: sessions}
}

func (d *Desk) now() time.Time {
	if d.Now == nil {
		return time.Now()
	}
	return d.Now()
}

// Errors callers branch on.
var (
	// ErrGone is an edit of a profile deleted since the face read it.
	ErrGone = errors.New("the profile was deleted meanwhile")
	// ErrSecretRequired is a new profile whose style needs a client secret
	// and that has none.
	ErrSecretRequired = errors.New("a client secret is required")
	// ErrKeyNotUsed is a private key for a profile whose auth style uses a
	// client secret.
	ErrKeyNotUsed = errors.New("a private key is for private_key_jwt and tls_client_auth only")
)

// NameTakenError is a profile name that another profile has.
type NameTakenError struct{ Name string }

func (e *NameTakenError) Error() string {
	return fmt.Sprintf("a profile named %q already exists", e.Name)
}

// InvalidError is a profile that would not be valid after the operation
// (model.Profile.Validate): a mistake in what was typed, not a failure.
type InvalidError struct{ Err error }

func (e *InvalidError) Error() string { return e.Err.Error() }
func (e *InvalidError) Unwrap() error { return e.Err }

// KeychainError says the profiles file changed but the keychain did not
// follow: the profile is gone, some of its items are not. `tokendesk
// repair` lists and removes them.
type KeychainError struct {
	Name string
	Err  error
}

func (e *KeychainError) Error() string {
	return fmt.Sprintf("profile %q removed, but its keychain entries were not: %v", e.Name, e.Err)
}
func (e *KeychainError) Unwrap() error { return e.Err }

// ParamError is a token parameter that is not key=value; Line counts from 1.
type ParamError struct {
	Line int
	Text string
}

func (e *ParamError) Error() string { return fmt.Sprintf("parameter %q: want key=value", e.Text) }

// ParseParams reads extra token parameters, one key=value each (blank ones
// skipped, spaces around key and value trimmed); none is nil.
func ParseParams(lines []string) (url.Values, error) {
	var out url.Values
	for i, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if k = strings.TrimSpace(k); !ok || k == "" {
			return nil, &ParamError{Line: i + 1, Text: line}
		}
		if out == nil {
			out = url.Values{}
		}
		out.Add(k, strings.TrimSpace(v))
	}
	return out, nil
}

// Saved is what an add or edit stored.
type Saved struct {
	Profile model.Profile
	// Made says what key or certificate was generated (Made.Advice says
	// what to do with it).
	Made keys.Made
	// RenamedFrom is the name the caller knew when someone else renamed
	// the profile meanwhile; empty otherwise.
	RenamedFrom string
}

// normalize settles what both faces must store the same way.
func normalize(p *model.Profile, certFile string) error {
	if p.Style() != model.AuthTLS {
		p.ClientCert = "" // only tls_client_auth presents one
	} else if certFile != "" {
		cert, err := keys.ReadCertFile(certFile)
		if err != nil {
			return err
		}
		p.ClientCert = cert
	}
	if p.AuthStyle == model.AuthAuto {
		p.AuthStyle = "" // the zero value means auto
	}
	if p.CAFile != "" {
		abs, err := filepath.Abs(p.CAFile)
		if err != nil {
			return err
		}
		p.CAFile = abs
	}
	return nil
}

// validate checks p as it will be saved; a tls_client_auth profile still
// without a certificate gets a self-signed one when saved.
func validate(p model.Profile) error {
	if p.Style() == model.AuthTLS && p.ClientCert == "" {
		p.AuthStyle = model.AuthPrivateKeyJWT
	}
	if err := p.Validate(); err != nil {
		return &InvalidError{err}
	}
	return nil
}

// Validate says whether c applied to known (a new profile: the zero
// Profile) makes a valid profile, reading no file: a certificate file is
// read when saving.
func Validate(known model.Profile, c Change) error {
	_, err := check(known, c, "")
	return err
}

func check(known model.Profile, c Change, certFile string) (model.Profile, error) {
	p := known
	c.apply(&p)
	if err := normalize(&p, certFile); err != nil {
		return p, err
	}
	if c.KeyFile != "" && !p.Style().UsesKey() {
		return p, fmt.Errorf("%w; %q uses %s", ErrKeyNotUsed, p.Name, p.Style())
	}
	return p, validate(p)
}

// Check says what is wrong with c applied to known (a new profile: the
// zero Profile) before anyone is asked for a secret: whether the profile
// would be valid and whether its name is free. Add and Edit check again
// under the file's lock.
func (d *Desk) Check(known model.Profile, c Change) error {
	p, err := check(known, c, c.certFile())
	if err != nil {
		return err
	}
	f, err := d.store.Load()
	if err != nil {
		return err
	}
	if q, err := f.ByName(p.Name); err == nil && (known.ID == "" || q.ID != known.ID) {
		return &NameTakenError{p.Name}
	}
	return nil
}

// Add saves a new profile — c applied to the zero Profile — with its
// credential and secret header values.
//
// The keychain is written first and the profiles file last, both under the
// file's lock. A process killed in between leaves keychain items that no
// profile owns — invisible to both faces, listed and removed by `tokendesk
// repair` — and never a profile without its credential, which would show
// up broken and block the name. A failure in between removes what was
// written.
func (d *Desk) Add(c Change) (Saved, error) {
	var p model.Profile
	c.apply(&p)
	p.ID = model.NewID()
	if err := normalize(&p, c.certFile()); err != nil {
		return Saved{}, err
	}
	if c.KeyFile != "" && !p.Style().UsesKey() {
		return Saved{}, fmt.Errorf("%w; %q uses %s", ErrKeyNotUsed, p.Name, p.Style())
	}
	var key string
	var made keys.Made
	var err error
	if !usesRef(p) {
		if key, made, err = keys.SettleKeyPair(&p, "", c.KeyFile, d.now()); err != nil {
			return Saved{}, err
		}
	}
	if err := validate(p); err != nil {
		return Saved{}, err
	}
	if !p.Style().UsesKey() && p.Style() != model.AuthNone && c.Secret == "" && !usesRef(p) {
		return Saved{}, ErrSecretRequired
	}
	wrote := false
	err = d.store.Update(func(f *storage.File) error {
		if _, err := f.ByName(p.Name); err == nil {
			return &NameTakenError{p.Name}
		}
		if err := resolveSubject(f, &p); err != nil {
			return err
		}
		wrote = true
		switch {
		case usesRef(p):
			// The secret stays where the reference says.
		case p.Style() == model.AuthNone:
			// A public client: no credential to file.
		case p.Style().UsesKey():
			if err := d.keys.SetPrivateKey(p.ID, key); err != nil {
				return err
			}
		default:
			if err := d.keys.SetClientSecret(p.ID, c.Secret); err != nil {
				return err
			}
		}
		if p.HasSecretHeaders() {
			if _, err := d.keys.SaveHeaderValues(p); err != nil {
				return err
			}
		}
		if _, err := f.Put(stripHeaderValues(p)); err != nil {
			return &InvalidError{err}
		}
		setColor(f, p.Env, c.EnvColor)
		return nil
	})
	if err != nil {
		if wrote {
			_ = d.keys.Forget(p.ID)
		}
		return Saved{}, err
	}
	return Saved{Profile: stripHeaderValues(p), Made: made}, nil
}

// stripHeaderValues returns p as the file holds it: no secret header
// value.
func stripHeaderValues(p model.Profile) model.Profile {
	if !p.HasSecretHeaders() {
		return p
	}
	hs := make([]model.Header, len(p.Headers))
	copy(hs, p.Headers)
	for i := range hs {
		if hs[i].Secret {
			hs[i].Value = ""
		}
	}
	p.Headers = hs
	return p
}

func setColor(f *storage.File, env, hex string) {
	if hex == "" {
		return
	}
	if f.EnvColors == nil {
		f.EnvColors = map[string]string{}
	}
	f.EnvColors[strings.ToLower(env)] = hex
}

// take removes a profile from the profiles file and ends its session; its
// keychain items are the caller's to forget (Delete) or keep a while
// (Remove). A team profile is not the person's to remove (TeamError).
func (d *Desk) take(id string) (model.Profile, error) {
	var removed model.Profile
	if err := d.teamProfile(id); err != nil {
		return removed, err
	}
	err := d.store.Update(func(f *storage.File) error {
		p, err := f.ByID(id)
		if err != nil {
			return err
		}
		removed = p
		return f.Remove(id)
	})
	if err != nil {
		return removed, err
	}
	d.sessions.Drop(id)
	return removed, nil
}

// Delete removes a profile, then everything the keychain holds for it.
// A profile that is gone already is storage.ErrNotFound; a keychain that
// did not follow is a *KeychainError.
func (d *Desk) Delete(id string) (model.Profile, error) {
	removed, err := d.take(id)
	if err != nil {
		return removed, err
	}
	if err := d.keys.Forget(id); err != nil {
		return removed, &KeychainError{Name: removed.Name, Err: err}
	}
	return removed, nil
}

// Token returns a usable token for p: the cached one while it has more
// than the margin left, unless fresh. notCached, when not nil, says why
// the keychain did not keep it (too large, locked, not running): the token
// still works from memory.
func (d *Desk) Token(ctx context.Context, p model.Profile, fresh bool) (t *model.Token, notCached error, err error) {
	s := d.sessions.Session(p)
	t, err = s.Token(ctx, fresh)
	if err != nil {
		return nil, nil, err
	}
	if st := s.Status(d.now()); st.MemoryOnly {
		if st.CacheErr == nil {
			return t, errors.New("the keychain did not keep it"), nil
		}
		return t, st.CacheErr, nil
	}
	return t, nil, nil
}

// Cancel stops p's token request under way, if any.
func (d *Desk) Cancel(p model.Profile) { d.sessions.Session(p).Cancel() }

// ForgetToken drops p's token, held and cached: the next one comes from
// the server.
func (d *Desk) ForgetToken(p model.Profile) error {
	d.sessions.Session(p).Forget()
	return d.keys.DeleteToken(p.ID)
}

// SignIn signs a person in for p (authorization_code or device_code): the
// browser or the device code, as o says; cancelling ctx stops it. It
// returns who signed in.
func (d *Desk) SignIn(ctx context.Context, p model.Profile, o auth.SignInOptions) (model.User, error) {
	return d.sessions.SignIn(ctx, p, o)
}

// SignOut revokes p's refresh token where the server can (revoked says
// so) and forgets p's tokens either way; err is a revocation that failed.
func (d *Desk) SignOut(ctx context.Context, p model.Profile) (session.SignedOut, error) {
	return d.sessions.SignOut(ctx, p)
}
