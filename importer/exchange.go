package importer

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"time"

	"github.com/tokendesk/tokendesk/model"
)

// SharedProfiles is the file `export profiles` writes: settings only,
// never a secret, a token or a machine's profile IDs.
type SharedProfiles struct {
	Format   string          `json:"tokendeskProfiles"`
	Profiles []model.Profile `json:"profiles"`
}

const sharedFormat = "1"

// ExportProfiles renders profiles for sharing.
func ExportProfiles(ps []model.Profile) ([]byte, error) {
	shared := SharedProfiles{Format: sharedFormat, Profiles: make([]model.Profile, len(ps))}
	for i, p := range ps {
		p.ID = "" // an ID names keychain entries on this machine only
		shared.Profiles[i] = p
	}
	data, err := json.MarshalIndent(shared, "", "  ")
	return append(data, '\n'), err
}

// ReadShared reads a file written by ExportProfiles: its profiles, without
// IDs.
func ReadShared(r io.Reader) ([]model.Profile, error) {
	var shared SharedProfiles
	if err := json.NewDecoder(io.LimitReader(r, 16<<20)).Decode(&shared); err != nil || shared.Format == "" {
		return nil, fmt.Errorf("not a file written by 'tokendesk export profiles'")
	}
	for i := range shared.Profiles {
		shared.Profiles[i].ID = ""
	}
	return shared.Profiles, nil
}

// PostmanVar is one variable of a Postman environment.
type PostmanVar struct {
	Key     string `json:"key"`
	Value   string `json:"value"`
	Type    string `json:"type"`
	Enabled bool   `json:"enabled"`
}

// PostmanEnv is Postman's environment file format.
type PostmanEnv struct {
	ID         string       `json:"id"`
	Name       string       `json:"name"`
	Values     []PostmanVar `json:"values"`
	Scope      string       `json:"_postman_variable_scope"`
	ExportedAt string       `json:"_postman_exported_at"`
	ExportedBy string       `json:"_postman_exported_using"`
}

// PostmanEntry is one profile for a Postman environment: its token, and its
// client secret only when asked for.
type PostmanEntry struct {
	Profile      model.Profile
	Token        *model.Token
	ClientSecret string // empty: left out
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// Postman renders a Postman environment with baseUrl, tokenUrl, clientId,
// accessToken (a secret-type value) and, when given, clientSecret. With
// several profiles each variable is prefixed with the profile's name.
func Postman(entries []PostmanEntry, now time.Time) ([]byte, error) {
	pe := PostmanEnv{ID: newUUID(), Name: "Token Desk", Scope: "environment",
		ExportedAt: now.UTC().Format(time.RFC3339), ExportedBy: "Token Desk"}
	if len(entries) == 1 {
		pe.Name = "Token Desk: " + entries[0].Profile.Name
	}
	for _, e := range entries {
		prefix := ""
		if len(entries) > 1 {
			prefix = e.Profile.Name + "."
		}
		add := func(k, v, typ string) {
			pe.Values = append(pe.Values, PostmanVar{Key: prefix + k, Value: v, Type: typ, Enabled: true})
		}
		add("baseUrl", e.Profile.BaseURL, "default")
		add("tokenUrl", e.Profile.TokenURL, "default")
		add("clientId", e.Profile.ClientID, "default")
		add("accessToken", e.Token.AccessToken, "secret")
		if e.ClientSecret != "" {
			add("clientSecret", e.ClientSecret, "secret")
		}
	}
	data, err := json.MarshalIndent(pe, "", "  ")
	return append(data, '\n'), err
}
