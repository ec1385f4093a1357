package core

import (
	"errors"
	"fmt"
	"net/url"
	"slices"

	"github.com/tokendesk/tokendesk/keys"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/storage"
)

// Change is an edit of a profile: the fields to set, and the secrets to
// set or clear. A nil field is left as it is in the profiles file when the
// change is applied, so that two edits of different fields — the window
// open while the CLI edits — both survive.
type Change struct {
	Name, Env, TokenURL, BaseURL, ClientID   *string
	RequestPath, ProbePath, IntrospectionURL *string
	Notes                                    *string
	CAFile                                   *string // made absolute
	Scopes                                   *[]string
	AuthStyle                                *model.AuthStyle
	Params                                   *url.Values
	AutoRefresh, AllowInsecure               *bool
	TimeoutSeconds                           *int
	// CertFile is a PEM certificate file for tls_client_auth; "" removes
	// the certificate (a self-signed one is then made for the key).
	CertFile *string
	// Headers replaces the whole header list. A secret header with an
	// empty value keeps the value the keychain holds for its name.
	Headers *[]model.Header
	// HeaderKinds replaces only the headers of each kind named, keeping the
	// others (the CLI's --header, --token-header, --secret-header…).
	HeaderKinds []HeaderSet
	// Secret is a new client secret; empty keeps the stored one.
	Secret string
	// KeyFile is a new PEM private key file; empty keeps the stored key.
	KeyFile string
	// EnvColor is the badge colour (#rrggbb) chosen for the environment;
	// empty leaves the colours as they are.
	EnvColor string
	// APIAuth is how API calls authenticate.
	APIAuth *model.APIAuth

	Grant                                  *model.Grant
	AuthorizeURL, DeviceURL, RevocationURL *string
	Issuer, RedirectURI, SubjectTokenType  *string
	RedirectPort                           *int
	// SubjectProfile names the token exchange's subject profile by name
	// or ID (the ID is stored); "" takes the subject token from standard
	// input.
	SubjectProfile *string

	// SecretRef sets where the secret comes from (Profile.SecretRef);
	// "" goes back to the keychain.
	SecretRef *string
	// SecretRefNoCache sets Profile.SecretRefNoCache: resolve the
	// reference for every request rather than once per process.
	SecretRefNoCache *bool
}

// HeaderSet is the headers of one kind: on the token request or not,
// secret or not.
type HeaderSet struct {
	Token, Secret bool
	Headers       []model.Header
}

// apply sets the fields c names on p.
func (c Change) apply(p *model.Profile) {
	set := func(dst *string, src *string) {
		if src != nil {
			*dst = *src
		}
	}
	set(&p.Name, c.Name)
	set(&p.Env, c.Env)
	set(&p.TokenURL, c.TokenURL)
	set(&p.BaseURL, c.BaseURL)
	set(&p.ClientID, c.ClientID)
	set(&p.RequestPath, c.RequestPath)
	set(&p.ProbePath, c.ProbePath)
	set(&p.IntrospectionURL, c.IntrospectionURL)
	set(&p.Notes, c.Notes)
	set(&p.CAFile, c.CAFile)
	set(&p.AuthorizeURL, c.AuthorizeURL)
	set(&p.DeviceURL, c.DeviceURL)
	set(&p.RevocationURL, c.RevocationURL)
	set(&p.Issuer, c.Issuer)
	set(&p.RedirectURI, c.RedirectURI)
	set(&p.SubjectTokenType, c.SubjectTokenType)
	set(&p.SubjectProfile, c.SubjectProfile)
	if c.Grant != nil {
		p.Grant = *c.Grant
	}
	if c.RedirectPort != nil {
		p.RedirectPort = *c.RedirectPort
	}
	if c.Scopes != nil {
		p.Scopes = slices.Clone(*c.Scopes)
	}
	if c.AuthStyle != nil {
		p.AuthStyle = *c.AuthStyle
	}
	if c.Params != nil {
		p.Params = *c.Params
		if len(p.Params) == 0 {
			p.Params = nil
		}
	}
	if c.AutoRefresh != nil {
		p.AutoRefresh = *c.AutoRefresh
	}
	if c.AllowInsecure != nil {
		p.AllowInsecure = *c.AllowInsecure
	}
	if c.TimeoutSeconds != nil {
		p.TimeoutSeconds = *c.TimeoutSeconds
	}
	if c.CertFile != nil && *c.CertFile == "" {
		p.ClientCert = ""
	}
	if c.Headers != nil {
		p.Headers = slices.Clone(*c.Headers)
	}
	set(&p.SecretRef, c.SecretRef)
	if c.SecretRefNoCache != nil {
		p.SecretRefNoCache = *c.SecretRefNoCache
	}
	if c.Secret != "" && c.SecretRef == nil {
		p.SecretRef = "" // a secret typed now is the keychain's again
	}
	if p.SecretRef == "" {
		p.SecretRefNoCache = false
	}
	for _, hs := range c.HeaderKinds {
		kept := p.Headers[:0:0]
		for _, h := range p.Headers {
			if h.TokenRequest != hs.Token || h.Secret != hs.Secret {
				kept = append(kept, h)
			}
		}
		for _, h := range hs.Headers {
			h.TokenRequest, h.Secret = hs.Token, hs.Secret
			kept = append(kept, h)
		}
		p.Headers = kept
	}
	if len(p.Headers) == 0 {
		p.Headers = nil
	}
	if c.APIAuth != nil {
		p.APIAuth = *c.APIAuth
	}
}

// Fields is the change that sets every setting of p (not its ID or
// client certificate): p as a new profile, for Add.
func Fields(p model.Profile) Change {
	c := Change{
		Name: &p.Name, Env: &p.Env, TokenURL: &p.TokenURL, BaseURL: &p.BaseURL, ClientID: &p.ClientID,
		RequestPath: &p.RequestPath, ProbePath: &p.ProbePath, IntrospectionURL: &p.IntrospectionURL,
		Notes: &p.Notes, CAFile: &p.CAFile, Scopes: &p.Scopes, AuthStyle: &p.AuthStyle, Params: &p.Params,
		AutoRefresh: &p.AutoRefresh, AllowInsecure: &p.AllowInsecure, TimeoutSeconds: &p.TimeoutSeconds,
		Headers: &p.Headers,
		Grant:   &p.Grant, AuthorizeURL: &p.AuthorizeURL, DeviceURL: &p.DeviceURL, RevocationURL: &p.RevocationURL,
		Issuer: &p.Issuer, RedirectURI: &p.RedirectURI, SubjectTokenType: &p.SubjectTokenType,
		RedirectPort: &p.RedirectPort, SubjectProfile: &p.SubjectProfile,
		SecretRef: &p.SecretRef, SecretRefNoCache: &p.SecretRefNoCache,
	}
	c.APIAuth = &p.APIAuth
	return c
}

func (c Change) certFile() string {
	if c.CertFile == nil {
		return ""
	}
	return *c.CertFile
}

func (c Change) touchesHeaders() bool { return c.Headers != nil || len(c.HeaderKinds) > 0 }

// Edit applies c to the profile known as known, as the profiles file holds
// it under the file's lock, and stores the secrets c sets. A profile
// deleted meanwhile is ErrGone; one renamed meanwhile is edited under its
// new name (Saved.RenamedFrom says so). A change that retires the cached
// token (new settings, secret, key, certificate or token-request header)
// drops it.
func (d *Desk) Edit(known model.Profile, c Change) (Saved, error) {
	var old, p model.Profile
	var key string
	var made keys.Made
	var tokenHeaderChanged bool
	if err := d.teamProfile(known.ID); err != nil {
		return Saved{}, err
	}
	err := d.store.Update(func(f *storage.File) error {
		var err error
		if old, err = f.ByID(known.ID); err != nil {
			return ErrGone
		}
		p = old
		c.apply(&p)
		if err := normalize(&p, c.certFile()); err != nil {
			return err
		}
		if c.CAFile == nil {
			p.CAFile = old.CAFile // as stored
		}
		if c.KeyFile != "" && !p.Style().UsesKey() {
			return fmt.Errorf("%w; %q uses %s", ErrKeyNotUsed, p.Name, p.Style())
		}
		if p.Style().UsesKey() && !usesRef(p) {
			current := ""
			if c.KeyFile == "" {
				if current, err = d.keys.PrivateKey(p.ID); err != nil && !errors.Is(err, storage.ErrKeyMissing) {
					return err
				}
			}
			if key, made, err = keys.SettleKeyPair(&p, current, c.KeyFile, d.now()); err != nil {
				return err
			}
		}
		if err := resolveSubject(f, &p); err != nil {
			return err
		}
		if err := p.Validate(); err != nil {
			return &InvalidError{err}
		}
		if q, err := f.ByName(p.Name); err == nil && q.ID != p.ID {
			return &NameTakenError{p.Name}
		}
		// The keychain first: a profile that names a credential has it.
		if key != "" {
			if err := d.keys.SetPrivateKey(p.ID, key); err != nil {
				return err
			}
		}
		if c.Secret != "" {
			if err := d.keys.SetClientSecret(p.ID, c.Secret); err != nil {
				return err
			}
		}
		if c.touchesHeaders() {
			if tokenHeaderChanged, err = d.keys.SaveHeaderValues(p); err != nil {
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
		return Saved{}, err
	}
	p = stripHeaderValues(p)
	s := d.sessions.Session(p) // a changed fingerprint drops the token held
	if c.Secret != "" || key != "" || made.Key || made.Cert || tokenHeaderChanged ||
		p.ClientCert != old.ClientCert || p.Fingerprint() != old.Fingerprint() || refsChanged(old, p) {
		s.Forget()
		if err := d.keys.DeleteToken(p.ID); err != nil {
			return Saved{}, err
		}
	}
	saved := Saved{Profile: p, Made: made}
	if old.Name != known.Name && known.Name != "" {
		saved.RenamedFrom = known.Name
	}
	return saved, nil
}

// Diff is the change that turns from into to: only the settings that
// differ (a face's form compares what a person typed with the profile as
// it was loaded, so that edits of other fields meanwhile survive).
func Diff(from, to model.Profile) Change {
	var c Change
	str := func(dst **string, a, b string) {
		if a != b {
			*dst = &b
		}
	}
	str(&c.Name, from.Name, to.Name)
	str(&c.Env, from.Env, to.Env)
	str(&c.TokenURL, from.TokenURL, to.TokenURL)
	str(&c.BaseURL, from.BaseURL, to.BaseURL)
	str(&c.ClientID, from.ClientID, to.ClientID)
	str(&c.RequestPath, from.RequestPath, to.RequestPath)
	str(&c.ProbePath, from.ProbePath, to.ProbePath)
	str(&c.IntrospectionURL, from.IntrospectionURL, to.IntrospectionURL)
	str(&c.Notes, from.Notes, to.Notes)
	str(&c.CAFile, from.CAFile, to.CAFile)
	str(&c.AuthorizeURL, from.AuthorizeURL, to.AuthorizeURL)
	str(&c.DeviceURL, from.DeviceURL, to.DeviceURL)
	str(&c.RevocationURL, from.RevocationURL, to.RevocationURL)
	str(&c.Issuer, from.Issuer, to.Issuer)
	str(&c.RedirectURI, from.RedirectURI, to.RedirectURI)
	str(&c.SubjectTokenType, from.SubjectTokenType, to.SubjectTokenType)
	str(&c.SubjectProfile, from.SubjectProfile, to.SubjectProfile)
	if from.GrantType() != to.GrantType() {
		c.Grant = &to.Grant
	}
	if from.RedirectPort != to.RedirectPort {
		c.RedirectPort = &to.RedirectPort
	}
	if !slices.Equal(from.Scopes, to.Scopes) {
		c.Scopes = &to.Scopes
	}
	if from.Style() != to.Style() {
		c.AuthStyle = &to.AuthStyle
	}
	if from.Params.Encode() != to.Params.Encode() {
		c.Params = &to.Params
	}
	if from.AutoRefresh != to.AutoRefresh {
		c.AutoRefresh = &to.AutoRefresh
	}
	if from.AllowInsecure != to.AllowInsecure {
		c.AllowInsecure = &to.AllowInsecure
	}
	if from.TimeoutSeconds != to.TimeoutSeconds {
		c.TimeoutSeconds = &to.TimeoutSeconds
	}
	if !slices.Equal(from.Headers, to.Headers) {
		c.Headers = &to.Headers
	}
	if from.BasicAPI() != to.BasicAPI() {
		c.APIAuth = &to.APIAuth
	}
	str(&c.SecretRef, from.SecretRef, to.SecretRef)
	if from.SecretRefNoCache != to.SecretRefNoCache {
		c.SecretRefNoCache = &to.SecretRefNoCache
	}
	return c
}

// resolveSubject stores p's subject profile by ID: the change may name it
// by name.
func resolveSubject(f *storage.File, p *model.Profile) error {
	if p.SubjectProfile == "" {
		return nil
	}
	q, err := f.ByID(p.SubjectProfile)
	if err != nil {
		if q, err = f.ByName(p.SubjectProfile); err != nil {
			return &InvalidError{fmt.Errorf("subject profile %q: no such profile", p.SubjectProfile)}
		}
	}
	p.SubjectProfile = q.ID
	return nil
}

// Preset is the change that adds preset (a Medplum sign-in, what a
// server's metadata says) with c's fields over it: what a person typed
// wins.
func Preset(preset model.Profile, c Change) Change {
	c.apply(&preset)
	out := Fields(preset)
	out.Secret, out.KeyFile, out.EnvColor, out.CertFile = c.Secret, c.KeyFile, c.EnvColor, c.CertFile
	out.HeaderKinds = c.HeaderKinds // applied again, the same: their secret values are read later
	return out
}

// Applied is p with c applied.
func Applied(p model.Profile, c Change) model.Profile {
	c.apply(&p)
	return p
}
