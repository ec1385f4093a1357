package cli

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
	"github.com/tokendesk/tokendesk/importer"
	"github.com/tokendesk/tokendesk/internal/atomicfile"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/storage"
)

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
func pick(f *storage.File, names []string) ([]model.Profile, error) {
	if len(names) == 0 {
		return storage.OwnProfiles(f.Profiles), nil
	}
	var out []model.Profile
	for _, n := range names {
		p, err := f.ByName(n)
		if err != nil {
			return nil, fmt.Errorf("no profile named %q", n)
		}
		out = append(out, p)
	}
	return out, nil
}

// writeOut writes JSON data to path atomically with permissions mode
// whatever the file had before (never through a symbolic link, which
// could point anywhere), or to stdout when path is empty.
func (env *Env) writeOut(path string, data []byte, mode os.FileMode) error {
	if path == "" {
		_, err := env.Stdout.Write(jsonSafe(data))
		return err
	}
	return atomicfile.WriteFile(path, data, mode)
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
			data, err := importer.ExportProfiles(ps)
			if err != nil {
				return err
			}
			return env.writeOut(out, data, 0o644)
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
			added, skipped, notes, err := env.desk().ImportShared(r)
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			for _, n := range added {
				env.say("Imported %q; enter its secret with: %s", n, suggest("tokendesk", "edit", n, "--secret-stdin"))
			}
			for _, s := range skipped {
				env.say("Skipped %s", s)
			}
			for _, n := range notes {
				env.say("Note: %s", n)
			}
			if len(added) == 0 && len(skipped) > 0 {
				return errors.New("nothing imported")
			}
			return nil
		},
	}
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
			var entries []importer.PostmanEntry
			for _, name := range args {
				p, t, err := env.token(cmd.Context(), name, fresh)
				if err != nil {
					return err
				}
				e := importer.PostmanEntry{Profile: p, Token: t}
				if includeSecret {
					if e.ClientSecret, err = env.Keys.Secret(cmd.Context(), p); err != nil {
						return err
					}
				}
				entries = append(entries, e)
			}
			data, err := importer.Postman(entries, env.Now())
			if err != nil {
				return err
			}
			return env.writeOut(out, data, 0o600)
		},
	}
	c.Flags().StringVarP(&out, "output", "o", "", "write to FILE (mode 0600) instead of standard output")
	c.Flags().BoolVar(&includeSecret, "include-secret", false, "also write the client secret (as a secret-type value)")
	c.Flags().BoolVar(&fresh, "fresh", false, "ignore the cached token and ask the server")
	return c
}
