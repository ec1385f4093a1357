package cli

import (
	"github.com/spf13/cobra"
	"github.com/tokendesk/tokendesk/importer"
)

func newImportMedplum(env *Env) *cobra.Command {
	var dir string
	var removeSecrets bool
	c := &cobra.Command{
		Use:   "medplum",
		Short: "Import the Medplum CLI's profiles, secrets into the keychain",
		Long: `Import the client-credentials profiles the Medplum CLI keeps in
~/.medplum/*.json (with their client secrets in plain text): each becomes a
profile, its secret goes to the keychain. Its authorization-code profiles
become sign-in profiles (the public client medplum-cli on
http://localhost:9615 unless the file names another; 'tokendesk login
NAME' signs in). Other profiles (and the CLI's saved logins) are skipped. The source files are left as they are unless
--remove-secrets is given, which then deletes the plain-text clientSecret
from each file imported, now or before (everything else in the file stays).`,
		Example: "  tokendesk import medplum\n  tokendesk import medplum --remove-secrets",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				var err error
				if dir, err = importer.MedplumDir(); err != nil {
					return err
				}
			}
			results, err := env.desk().ImportMedplum(dir, removeSecrets)
			if err != nil {
				return err
			}
			imported := 0
			for _, r := range results {
				if r.Err != nil {
					env.say("Skipped %s: %v", r.File, r.Err)
					continue
				}
				imported++
				env.say("%s", r.Message)
			}
			if imported > 0 && !removeSecrets {
				again := []string{"tokendesk", "import", "medplum", "--remove-secrets"}
				if cmd.Flags().Changed("dir") {
					again = append(again, "--dir", dir)
				}
				env.say("The secrets are still in plain text in %s; to remove them, run: %s", dir, suggest(again...))
			}
			return nil
		},
	}
	c.Flags().StringVar(&dir, "dir", "", "the Medplum CLI's directory (default ~/.medplum)")
	c.Flags().BoolVar(&removeSecrets, "remove-secrets", false, "delete the plain-text clientSecret from each imported file afterwards")
	return c
}
