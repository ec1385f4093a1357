// Package importer reads and writes the formats profiles travel in: the
// Medplum CLI's ~/.medplum/*.json files, the files teammates share (never a
// secret) and Postman environments. Saving what it reads is the core's job.
package importer

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/tokendesk/tokendesk/internal/atomicfile"
	"github.com/tokendesk/tokendesk/model"
)

// Result is what became of one Medplum CLI file.
type Result struct {
	File string
	// Imported says a profile was added from the file; SecretRemoved that
	// its plain-text secret was taken out of it.
	Imported, SecretRemoved bool
	// Message says what was done; Err why the file was skipped.
	Message string
	Err     error
}

// MedplumDir is the Medplum CLI's directory, ~/.medplum.
func MedplumDir() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".medplum"), nil
}

// MedplumFile is one Medplum CLI profile file, read.
type MedplumFile struct {
	Path string
	// Profile is the profile it describes (no ID yet) and Secret its
	// client secret; Err says why the file cannot be imported.
	Profile model.Profile
	Secret  string
	Err     error
	file    map[string]json.RawMessage
}

// ReadMedplum reads the Medplum CLI files in dir, in name order.
func ReadMedplum(dir string) ([]MedplumFile, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no Medplum CLI profiles in %s", dir)
	}
	sort.Strings(files)
	out := make([]MedplumFile, len(files))
	for i, path := range files {
		out[i] = readFile(path)
	}
	return out, nil
}

// medplumOptions is what the Medplum CLI (5.x) keeps, as a JSON string,
// in the "options" member of ~/.medplum/<name>.json.
type medplumOptions struct {
	Name         string `json:"name"`
	BaseURL      string `json:"baseUrl"`
	AuthType     string `json:"authType"`
	ClientID     string `json:"clientId"`
	ClientSecret string `json:"clientSecret"`
	TokenURL     string `json:"tokenUrl"`
	Scope        string `json:"scope"`
	Audience     string `json:"audience"`
}

// medplumProfile turns Medplum CLI options into a profile. Without a
// tokenUrl, the token URL is the base URL joined with oauth2/token, as
// Medplum's own client does.
func medplumProfile(name string, o medplumOptions) (model.Profile, error) {
	base := strings.TrimSpace(o.BaseURL)
	if base == "" {
		base = "https://api.medplum.com/"
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	tokenURL := o.TokenURL
	if tokenURL == "" {
		tokenURL = base + "oauth2/token"
	}
	p := model.Profile{Name: name, TokenURL: tokenURL, BaseURL: base, ClientID: o.ClientID,
		Scopes: strings.Fields(o.Scope), RequestPath: "auth/me", ProbePath: "auth/me"}
	if o.Audience != "" {
		p.Params = url.Values{"audience": {o.Audience}}
	}
	if !strings.HasPrefix(base, "https://") && model.SecureTransport(tokenURL) {
		p.Env = "local"
	}
	return p, p.Validate()
}

// The Medplum CLI's own sign-in: a public client with the one redirect
// URI Medplum matches exactly.
const (
	MedplumCLIClient   = "medplum-cli"
	MedplumCLIRedirect = "http://localhost:9615"
)

// MedplumSignIn is the preset of a Medplum sign-in (authorization code
// with PKCE) at base (empty: Medplum's cloud): authorize at
// <base>/oauth2/authorize, tokens at <base>/oauth2/token, redirected to
// the exact URI registered for the client (the Medplum CLI's by default).
func MedplumSignIn(name, base, clientID string) model.Profile {
	base = strings.TrimSpace(base)
	if base == "" {
		base = "https://api.medplum.com/"
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	if clientID == "" {
		clientID = MedplumCLIClient
	}
	p := model.Profile{Name: name, Grant: model.GrantAuthorizationCode, ClientID: clientID, AuthStyle: model.AuthNone,
		BaseURL: base, TokenURL: base + "oauth2/token", AuthorizeURL: base + "oauth2/authorize",
		RedirectURI: MedplumCLIRedirect, Scopes: []string{"openid", "offline_access"}, RequestPath: "auth/me", ProbePath: "auth/me"}
	if !strings.HasPrefix(base, "https://") && model.SecureTransport(p.TokenURL) {
		p.Env = "local"
	}
	return p
}

// readFile reads one ~/.medplum/<name>.json.
func readFile(path string) MedplumFile {
	m := MedplumFile{Path: path}
	data, err := atomicfile.ReadFile(path, 1<<20) // not a pipe or a device; a few KiB in practice
	if err != nil {
		m.Err = err
		return m
	}
	if err := json.Unmarshal(data, &m.file); err != nil {
		m.Err = fmt.Errorf("not JSON: %v", err)
		return m
	}
	var optionsText string
	if err := json.Unmarshal(m.file["options"], &optionsText); err != nil {
		m.Err = errors.New(`no "options" string`)
		return m
	}
	var o medplumOptions
	if err := json.Unmarshal([]byte(optionsText), &o); err != nil {
		m.Err = fmt.Errorf(`"options" is not JSON: %v`, err)
		return m
	}
	name := o.Name
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(path), ".json")
	}
	if o.AuthType == "authorization-code" {
		m.Profile = MedplumSignIn(name, o.BaseURL, o.ClientID)
		if o.Scope != "" {
			m.Profile.Scopes = strings.Fields(o.Scope)
		}
		if o.ClientSecret != "" {
			m.Profile.AuthStyle, m.Secret = model.AuthAuto, o.ClientSecret
		}
		m.Err = m.Profile.Validate()
		return m
	}
	if o.AuthType != "client-credentials" {
		m.Err = fmt.Errorf("auth type %q, not client-credentials or authorization-code", o.AuthType)
		return m
	}
	if o.ClientSecret == "" {
		m.Err = errors.New("no client secret in the file (removed already?)")
		return m
	}
	m.Profile, m.Err = medplumProfile(name, o)
	m.Secret = o.ClientSecret
	return m
}

// RemoveSecret rewrites the file without its plain-text clientSecret,
// keeping every other member as it was.
func (m MedplumFile) RemoveSecret() error { return removeMedplumSecret(m.Path, m.file) }

// removeMedplumSecret rewrites path without options.clientSecret, keeping
// every other member as it was.
func removeMedplumSecret(path string, file map[string]json.RawMessage) error {
	var optionsText string
	if err := json.Unmarshal(file["options"], &optionsText); err != nil {
		return err
	}
	var options map[string]json.RawMessage
	if err := json.Unmarshal([]byte(optionsText), &options); err != nil {
		return err
	}
	delete(options, "clientSecret")
	inner, err := json.Marshal(options)
	if err != nil {
		return err
	}
	if file["options"], err = json.Marshal(string(inner)); err != nil {
		return err
	}
	out, err := json.MarshalIndent(file, "", "  ")
	if err != nil {
		return err
	}
	// Through a symbolic link to its target; 0600, as the file may hold the
	// Medplum CLI's saved login.
	target, err := atomicfile.Resolve(path)
	if err != nil {
		return err
	}
	return atomicfile.WriteFile(target, append(out, '\n'), 0o600)
}
