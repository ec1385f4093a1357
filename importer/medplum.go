// Package importer moves profiles between Token Desk and elsewhere: in
// from the Medplum CLI's ~/.medplum/*.json files (secrets into the
// keychain) and from teammates' shared files, out as shared files (never
// secrets) and as Postman environments.
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
	"github.com/tokendesk/tokendesk/storage"
)

// Store is where imported profiles go (storage.Store).
type Store interface {
	Load() (*storage.File, error)
	Update(func(*storage.File) error) error
}

// Keys is where imported secrets go (storage.Keychain).
type Keys interface {
	SetClientSecret(id, secret string) error
	ClientSecret(id string) (string, error)
	Forget(id string) error
}

// Result is what became of one file.
type Result struct {
	File string
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

// Medplum imports the client-credentials profiles of the Medplum CLI files
// in dir. With removeSecrets, the plain-text clientSecret is deleted from
// each file imported (now or before) once the keychain holds it.
func Medplum(store Store, keys Keys, dir string, removeSecrets bool) ([]Result, error) {
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no Medplum CLI profiles in %s", dir)
	}
	sort.Strings(files)
	var out []Result
	for _, path := range files {
		msg, err := importFile(store, keys, path, removeSecrets)
		out = append(out, Result{File: filepath.Base(path), Message: msg, Err: err})
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
func medplumProfile(name string, o medplumOptions) (storage.Profile, error) {
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
	p := storage.Profile{Name: name, TokenURL: tokenURL, BaseURL: base, ClientID: o.ClientID,
		Scopes: strings.Fields(o.Scope), RequestPath: "auth/me", ProbePath: "auth/me"}
	if o.Audience != "" {
		p.Params = url.Values{"audience": {o.Audience}}
	}
	if !strings.HasPrefix(base, "https://") && storage.SecureTransport(tokenURL) {
		p.Env = "local"
	}
	return p, p.Validate()
}

// importMedplumFile imports one ~/.medplum/<name>.json.
func importFile(store Store, keys Keys, path string, removeSecret bool) (string, error) {
	data, err := atomicfile.ReadFile(path, 1<<20) // not a pipe or a device; a few KiB in practice
	if err != nil {
		return "", err
	}
	var file map[string]json.RawMessage
	if err := json.Unmarshal(data, &file); err != nil {
		return "", fmt.Errorf("not JSON: %v", err)
	}
	var optionsText string
	if err := json.Unmarshal(file["options"], &optionsText); err != nil {
		return "", errors.New(`no "options" string`)
	}
	var o medplumOptions
	if err := json.Unmarshal([]byte(optionsText), &o); err != nil {
		return "", fmt.Errorf(`"options" is not JSON: %v`, err)
	}
	if o.AuthType != "client-credentials" {
		return "", fmt.Errorf("auth type %q, not client-credentials", o.AuthType)
	}
	if o.ClientSecret == "" {
		return "", errors.New("no client secret in the file (removed already?)")
	}
	name := o.Name
	if name == "" {
		name = strings.TrimSuffix(filepath.Base(path), ".json")
	}
	p, err := medplumProfile(name, o)
	if err != nil {
		return "", err
	}
	f, err := store.Load()
	if err != nil {
		return "", err
	}
	if q, err := f.ByName(name); err == nil {
		// Imported before: with --remove-secrets, take the plain-text copy
		// out once the keychain is known to hold the same secret.
		if removeSecret && q.ClientID == p.ClientID {
			if kept, err := keys.ClientSecret(q.ID); err == nil && kept == o.ClientSecret {
				if err := removeMedplumSecret(path, file); err != nil {
					return "", err
				}
				return fmt.Sprintf("%q was imported before; removed the plain-text secret from %s.", name, path), nil
			}
		}
		return "", fmt.Errorf("a profile named %q exists", name)
	}
	p.ID = storage.NewID()
	if err := keys.SetClientSecret(p.ID, o.ClientSecret); err != nil {
		return "", err
	}
	if err := store.Update(func(f *storage.File) error { _, err := f.Put(p); return err }); err != nil {
		_ = keys.Forget(p.ID)
		return "", err
	}
	msg := fmt.Sprintf("Imported %q (%s); its secret is in the keychain.", name, p.TokenURL)
	if removeSecret {
		if err := removeMedplumSecret(path, file); err != nil {
			return msg + " The plain-text secret could not be removed: " + err.Error(), nil
		}
		msg += " Then removed the plain-text secret from " + path + "."
	}
	return msg, nil
}

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
