package model

import (
	"fmt"
	"log/slog"
	"time"
)

// SignIn is what a person's sign-in leaves in the keychain beside the
// access token: the refresh token and who signed in. It never reaches the
// profiles file.
type SignIn struct {
	// RefreshToken renews the access token without the person; empty when
	// the server gave none (then the next sign-in is due at expiry).
	RefreshToken string `json:"refresh_token,omitempty"`
	// Expiry is the refresh token's own expiry, when the server gave one.
	Expiry time.Time `json:"expiry,omitzero"`
	// Fingerprint is the profile's Fingerprint at the sign-in.
	Fingerprint string `json:"fingerprint"`
	// User is who signed in.
	User User `json:"user,omitzero"`
	// At is when the person signed in.
	At time.Time `json:"at,omitzero"`
}

// String never shows the refresh token.
func (s SignIn) String() string {
	return fmt.Sprintf("SignIn{user=%s refresh=%t}", s.User, s.RefreshToken != "")
}

// GoString never shows the refresh token.
func (s SignIn) GoString() string { return s.String() }

// LogValue never shows the refresh token.
func (s SignIn) LogValue() slog.Value { return slog.StringValue(s.String()) }

// User is who signed in, from the ID token or the userinfo endpoint.
type User struct {
	Subject  string `json:"sub,omitempty"`
	Name     string `json:"name,omitempty"`
	Email    string `json:"email,omitempty"`
	Username string `json:"preferred_username,omitempty"`
}

// String names the user as a person would: name, user name, e-mail or
// subject, whichever is known first.
func (u User) String() string {
	for _, s := range []string{u.Name, u.Username, u.Email, u.Subject} {
		if s != "" {
			return s
		}
	}
	return "(unknown user)"
}
