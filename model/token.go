package model

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"time"
)

// Token is an access token as a server issued it and the keychain keeps it
// between runs.
type Token struct {
	AccessToken string    `json:"access_token"`
	TokenType   string    `json:"token_type,omitempty"`
	Expiry      time.Time `json:"expiry,omitzero"`
	IssuedAt    time.Time `json:"issued_at,omitzero"`
	Scope       string    `json:"scope,omitempty"`
	// Fingerprint is the profile's Fingerprint when the token was issued.
	Fingerprint string `json:"fingerprint"`
	// Extra holds the response's other fields (Medplum's project, profile…).
	Extra map[string]json.RawMessage `json:"extra,omitempty"`
}

// String never shows the token.
func (t Token) String() string {
	return fmt.Sprintf("Token{type=%s expiry=%s token=[redacted]}", t.TokenType, t.Expiry.Format(time.RFC3339))
}

// GoString never shows the token.
func (t Token) GoString() string { return t.String() }

// LogValue never shows the token.
func (t Token) LogValue() slog.Value { return slog.StringValue(t.String()) }
