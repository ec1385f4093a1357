package cli

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/google/renameio/v2"
	"github.com/spf13/cobra"
	"github.com/tokendesk/tokendesk/storage"
)

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
		Scopes: strings.Fields(o.Scope), RequestPath: "auth/me"}
	if o.Audience != "" {
		p.Params = url.Values{"audience": {o.Audience}}
	}
	if !strings.HasPrefix(base, "https://") && storage.SecureTransport(tokenURL) {
		p.Env = "local"
	}
	return p, p.Validate()
}

func newImportMedplum(env *Env) *cobra.Command {
	var dir string
	var removeSecrets bool
	c := &cobra.Command{
		Use:   "medplum",
		Short: "Import the Medplum CLI's client-credentials profiles, secrets into the keychain",
		Long: `Import the client-credentials profiles the Medplum CLI keeps in
~/.medplum/*.json (with their client secrets in plain text): each becomes a
profile, its secret goes to the keychain. Other profiles (and the CLI's
saved logins) are skipped. The source files are left as they are unless
--remove-secrets is given, which then deletes the plain-text clientSecret
from each file imported (everything else in the file stays).`,
		Example: "  tokendesk import medplum\n  tokendesk import medplum --remove-secrets",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				home, err := os.UserHomeDir()
				if err != nil {
					return err
				}
				dir = filepath.Join(home, ".medplum")
			}
			files, err := filepath.Glob(filepath.Join(dir, "*.json"))
			if err != nil {
				return err
			}
			if len(files) == 0 {
				return fmt.Errorf("no Medplum CLI profiles in %s", dir)
			}
			sort.Strings(files)
			imported := 0
			for _, path := range files {
				msg, err := env.importMedplumFile(path, removeSecrets)
				if err != nil {
					fmt.Fprintf(env.Stderr, "Skipped %s: %v\n", filepath.Base(path), err)
					continue
				}
				imported++
				fmt.Fprintln(env.Stderr, msg)
			}
			if imported > 0 && !removeSecrets {
				fmt.Fprintf(env.Stderr, "The secrets are still in plain text in %s; 'tokendesk import medplum --remove-secrets' removes them after importing.\n", dir)
			}
			return nil
		},
	}
	c.Flags().StringVar(&dir, "dir", "", "the Medplum CLI's directory (default ~/.medplum)")
	c.Flags().BoolVar(&removeSecrets, "remove-secrets", false, "delete the plain-text clientSecret from each imported file afterwards")
	return c
}

// importMedplumFile imports one ~/.medplum/<name>.json.
func (env *Env) importMedplumFile(path string, removeSecret bool) (string, error) {
	data, err := os.ReadFile(path)
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
	f, err := env.Store.Load()
	if err != nil {
		return "", err
	}
	if q, err := f.ByName(name); err == nil {
		// Imported before: with --remove-secrets, take the plain-text copy
		// out once the keychain is known to hold the same secret.
		if removeSecret && q.ClientID == p.ClientID {
			if kept, err := env.Keys.ClientSecret(q.ID); err == nil && kept == o.ClientSecret {
				if err := removeMedplumSecret(path, file); err != nil {
					return "", err
				}
				return fmt.Sprintf("%q was imported before; removed the plain-text secret from %s.", name, path), nil
			}
		}
		return "", fmt.Errorf("a profile named %q exists", name)
	}
	p.ID = storage.NewID()
	if err := env.Keys.SetClientSecret(p.ID, o.ClientSecret); err != nil {
		return "", err
	}
	if err := env.Store.Update(func(f *storage.File) error { _, err := f.Put(p); return err }); err != nil {
		_ = env.Keys.Forget(p.ID)
		return "", err
	}
	msg := fmt.Sprintf("Imported %q (%s); its secret is in the keychain.", name, p.TokenURL)
	if removeSecret {
		if err := removeMedplumSecret(path, file); err != nil {
			return msg + " The plain-text secret could not be removed: " + err.Error(), nil
		}
		msg += " Removed the plain-text secret from " + path + "."
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
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	return renameio.WriteFile(path, append(out, '\n'), st.Mode().Perm())
}
