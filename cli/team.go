package cli

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/tokendesk/tokendesk/core"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/storage"
)

func newTeam(env *Env) *cobra.Command {
	c := &cobra.Command{
		Use:   "team",
		Short: "List the team files, and allow or deny each",
		Long: `A team file is shared: whoever changes it in the team's repository
chooses where its profiles' token requests go and which secrets their
references read. So its profiles resolve secret references and request
tokens only once you have allowed the file as it is now; a changed file
(after a git pull, say) needs allowing again. What you allowed is kept in
your own settings, never in the team file.`,
		Args: cobra.NoArgs,
	}
	c.AddCommand(newTeamList(env), newTeamAllow(env), newTeamDeny(env))
	return c
}

func newTeamList(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:     "list",
		Short:   "List the team files, whether each is allowed, and its profiles with their token URLs and secret references",
		Example: "  tokendesk team list",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			files, err := env.desk().TeamFiles()
			if err != nil {
				return err
			}
			if len(files) == 0 {
				env.say("No team files: name them in $%s (separated as PATH is) or in the settings' teamFiles.", storage.TeamEnv)
				return nil
			}
			for _, tf := range files {
				if err := env.showTeamFile(tf); err != nil {
					return err
				}
			}
			return nil
		},
	}
}

func newTeamAllow(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "allow FILE",
		Short: "Allow a team file as it is now: its profiles may then read your secrets and request tokens",
		Long: `Allow a team file as it is now: its profiles may then resolve their secret
references and request tokens. It prints what it allows — each profile's
token URL and references; when the file changes, it needs allowing again.
FILE is the path, or the file's name when only one team file has it.`,
		Example: "  tokendesk team allow ~/src/platform/tokendesk.json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d := env.desk()
			tf, err := env.teamFile(d, args[0])
			if err != nil {
				return err
			}
			if err := d.AllowTeam(tf); err != nil {
				return err
			}
			tf.Trust, tf.Changed = model.TrustAllowed, nil
			if err := env.showTeamFile(tf); err != nil {
				return err
			}
			env.say("Allowed %s as it is now: its profiles may resolve the references above and send requests to the token URLs above.", tf.Path)
			return nil
		},
	}
}

func newTeamDeny(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:     "deny FILE",
		Short:   "Take back the allowing of a team file: its profiles stay listed but read no secret and request no token",
		Example: "  tokendesk team deny tokendesk.json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			d := env.desk()
			tf, err := env.teamFile(d, args[0])
			if err != nil {
				return err
			}
			had, err := d.DenyTeam(tf.Path)
			if err != nil {
				return err
			}
			if !had {
				env.say("%s was not allowed; nothing changed.", tf.Path)
				return nil
			}
			env.say("Denied %s: its profiles read no secret and request no token until you allow it again.", tf.Path)
			return nil
		},
	}
}

// teamFile is the team file name names, among those Token Desk reads.
func (env *Env) teamFile(d *core.Desk, name string) (storage.TeamFile, error) {
	files, err := d.TeamFiles()
	if err != nil {
		return storage.TeamFile{}, err
	}
	tf, err := core.FindTeamFile(files, name)
	if err != nil {
		return tf, usageError{err}
	}
	return tf, nil
}

// trustText says whether a team file is allowed, as `team list` shows it.
func trustText(tf storage.TeamFile) string {
	switch {
	case tf.Err != nil:
		return "refused: " + tf.Err.Error()
	case tf.Trust == model.TrustAllowed:
		return "allowed"
	case tf.Trust == model.TrustChanged && len(tf.Changed) > 0:
		return "changed since you allowed it (token URL or references of " + strings.Join(tf.Changed, ", ") + "): tokendesk team allow " + tf.Path
	case tf.Trust == model.TrustChanged:
		return "changed since you allowed it: tokendesk team allow " + tf.Path
	}
	return "not allowed: tokendesk team allow " + tf.Path
}

// showTeamFile prints a team file, whether it is allowed, and each of its
// profiles with its token URL and secret references: what allowing it
// trusts.
func (env *Env) showTeamFile(tf storage.TeamFile) error {
	if err := env.line(tf.Path + ": " + trustText(tf)); err != nil {
		return err
	}
	var rows [][]string
	for _, p := range tf.Profiles {
		refs := strings.Join(storage.TeamRefs(p), "; ")
		if refs == "" {
			refs = "no secret reference"
		}
		rows = append(rows, []string{"  " + p.Name, p.TokenURL, refs})
	}
	return env.table(rows)
}
