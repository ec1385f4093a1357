package cli

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/google/renameio/v2"
	"github.com/spf13/cobra"
	"github.com/tokendesk/tokendesk/storage"
)

// sharedProfiles is the file `export profiles` writes: settings only.
type sharedProfiles struct {
	Format   string            `json:"tokendeskProfiles"`
	Profiles []storage.Profile `json:"profiles"`
}

const sharedFormat = "1"

func newExport(env *Env) *cobra.Command {
	c := &cobra.Command{
		Use:   "export",
		Short: "Export profiles (never secrets) or a Postman environment",
	}
	c.AddCommand(newExportProfiles(env), newExportPostman(env))
	return c
}

func newImport(env *Env) *cobra.Command {
	c := &cobra.Command{
		Use:   "import",
		Short: "Import profiles shared by a teammate, or the Medplum CLI's",
	}
	c.AddCommand(newImportProfiles(env), newImportMedplum(env))
	return c
}

// pick returns the named profiles, or all when no names are given.
func pick(f *storage.File, names []string) ([]storage.Profile, error) {
	if len(names) == 0 {
		return f.Profiles, nil
	}
	var out []storage.Profile
	for _, n := range names {
		p, err := f.ByName(n)
		if err != nil {
			return nil, fmt.Errorf("no profile named %q", n)
		}
		out = append(out, p)
	}
	return out, nil
}

// writeOut writes data to path atomically, or to stdout when path is empty.
func (env *Env) writeOut(path string, data []byte, mode os.FileMode) error {
	if path == "" {
		_, err := env.Stdout.Write(data)
		return err
	}
	return renameio.WriteFile(path, data, mode)
}

func newExportProfiles(env *Env) *cobra.Command {
	var out string
	c := &cobra.Command{
		Use:   "profiles [NAME...]",
		Short: "Write profile settings to share with teammates — never secrets or tokens",
		Long: `Write the settings of the named profiles (all without names) as JSON, to
standard output or -o FILE. Client secrets and tokens stay in your keychain:
whoever imports the file enters the secret themselves.`,
		Example: "  tokendesk export profiles > team.json\n  tokendesk export profiles medplum-staging medplum-prod -o team.json",
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := env.Store.Load()
			if err != nil {
				return err
			}
			ps, err := pick(f, args)
			if err != nil {
				return usageError{err}
			}
			shared := sharedProfiles{Format: sharedFormat, Profiles: make([]storage.Profile, len(ps))}
			for i, p := range ps {
				p.ID = "" // an ID names keychain entries on this machine only
				shared.Profiles[i] = p
			}
			data, err := json.MarshalIndent(shared, "", "  ")
			if err != nil {
				return err
			}
			return env.writeOut(out, append(data, '\n'), 0o644)
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "", "write to FILE instead of standard output")
	return c
}

func newImportProfiles(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "profiles FILE",
		Short: "Add the profiles of a file written by 'export profiles'",
		Long: `Add the profiles of a file written by 'tokendesk export profiles' ("-" reads
standard input). Names that exist already are skipped, not overwritten.
Imported profiles have no client secret yet: enter it with
'tokendesk edit NAME --secret-stdin' or Edit in the window.`,
		Example: "  tokendesk import profiles team.json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var r io.Reader = env.Stdin
			if args[0] != "-" {
				file, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer file.Close()
				r = file
			}
			var shared sharedProfiles
			if err := json.NewDecoder(io.LimitReader(r, 16<<20)).Decode(&shared); err != nil || shared.Format == "" {
				return fmt.Errorf("%s is not a file written by 'tokendesk export profiles'", args[0])
			}
			var added, skipped []string
			err := env.Store.Update(func(f *storage.File) error {
				for _, p := range shared.Profiles {
					if _, err := f.ByName(p.Name); err == nil {
						skipped = append(skipped, p.Name+" (a profile of that name exists)")
						continue
					}
					p.ID = ""
					if _, err := f.Put(p); err != nil {
						skipped = append(skipped, fmt.Sprintf("%s (%v)", p.Name, err))
						continue
					}
					added = append(added, p.Name)
				}
				return nil
			})
			if err != nil {
				return err
			}
			for _, n := range added {
				fmt.Fprintf(env.Stderr, "Imported %q: enter its secret with 'tokendesk edit %s --secret-stdin'.\n", n, n)
			}
			for _, s := range skipped {
				fmt.Fprintln(env.Stderr, "Skipped", s)
			}
			if len(added) == 0 && len(shared.Profiles) > 0 {
				return errors.New("nothing imported")
			}
			return nil
		},
	}
}

// postmanVar is one variable of a Postman environment.
type postmanVar struct {
	Key     string `json:"key"`
	Value   string `json:"value"`
	Type    string `json:"type"`
	Enabled bool   `json:"enabled"`
}

// postmanEnv is Postman's environment file format.
type postmanEnv struct {
	ID         string       `json:"id"`
	Name       string       `json:"name"`
	Values     []postmanVar `json:"values"`
	Scope      string       `json:"_postman_variable_scope"`
	ExportedAt string       `json:"_postman_exported_at"`
	ExportedBy string       `json:"_postman_exported_using"`
}

func newUUID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	b[6], b[8] = b[6]&0x0f|0x40, b[8]&0x3f|0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

func newExportPostman(env *Env) *cobra.Command {
	var out string
	var includeSecret, fresh bool
	c := &cobra.Command{
		Use:   "postman NAME...",
		Short: "Write a Postman environment with the profile's URLs, client ID and current token",
		Long: `Write a Postman environment file (import it in Postman under Environments)
with baseUrl, tokenUrl, clientId and the current accessToken (as a secret
value). The client secret is included only with --include-secret. With
several profiles, each variable is prefixed with the profile's name.`,
		Example: "  tokendesk export postman medplum-prod -o prod.postman_environment.json",
		Args:    cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			pe := postmanEnv{ID: newUUID(), Name: "Token Desk", Scope: "environment",
				ExportedAt: env.Now().UTC().Format(time.RFC3339), ExportedBy: "Token Desk"}
			if len(args) == 1 {
				pe.Name = "Token Desk: " + args[0]
			}
			for _, name := range args {
				p, t, err := env.token(cmd.Context(), name, fresh)
				if err != nil {
					return err
				}
				prefix := ""
				if len(args) > 1 {
					prefix = name + "."
				}
				add := func(k, v, typ string) {
					pe.Values = append(pe.Values, postmanVar{Key: prefix + k, Value: v, Type: typ, Enabled: true})
				}
				add("baseUrl", p.BaseURL, "default")
				add("tokenUrl", p.TokenURL, "default")
				add("clientId", p.ClientID, "default")
				add("accessToken", t.AccessToken, "secret")
				if includeSecret {
					secret, err := env.Keys.ClientSecret(p.ID)
					if err != nil {
						return err
					}
					add("clientSecret", secret, "secret")
				}
			}
			data, err := json.MarshalIndent(pe, "", "  ")
			if err != nil {
				return err
			}
			return env.writeOut(out, append(data, '\n'), 0o600)
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "", "write to FILE (mode 0600) instead of standard output")
	c.Flags().BoolVar(&includeSecret, "include-secret", false, "also write the client secret (as a secret-type value)")
	c.Flags().BoolVar(&fresh, "fresh", false, "ignore the cached token and ask the server")
	return c
}
