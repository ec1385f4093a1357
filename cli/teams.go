package cli

import (
	"path/filepath"

	"github.com/tokendesk/tokendesk/core"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/secretref"
	"github.com/tokendesk/tokendesk/storage"
)

const secretRefUsage = "take the secret (or private key) from a reference instead of the keychain: op://vault/item/field (1Password), vault://mount/path#field (Vault, OpenBao), pass://path, or cmd:PROGRAM ARGS (run without a shell); '' goes back to the keychain"

// hasRef says whether c gives the profile a secret reference, so that no
// secret is asked for.
func hasRef(c core.Change) bool { return c.SecretRef != nil && *c.SecretRef != "" }

// secretSource says where p's secret comes from: "in the keychain", "from
// 1Password", "from Vault at …".
func secretSource(p model.Profile) string {
	if p.Style() == model.AuthNone {
		return "not needed (a public client)"
	}
	if p.SecretRef == "" {
		return "in the keychain"
	}
	r, err := secretref.Parse(p.SecretRef)
	if err != nil {
		return "from an unreadable reference"
	}
	return secretref.Describe(r)
}

// teamName is the team file a profile comes from, for a table: its base
// name, or "-" for a person's own.
func teamName(p model.Profile) string {
	if p.Team == "" {
		return "-"
	}
	return filepath.Base(p.Team)
}

// sayTeam tells on standard error what the team files held that a person
// should know: files refused or not allowed, profiles hidden.
func (env *Env) sayTeam(f *storage.File) {
	for _, err := range f.Team.Errs {
		env.say("tokendesk: %v", err)
	}
	for _, n := range f.Team.Notes {
		env.say("tokendesk: note: %s", n)
	}
	for _, tf := range f.Team.Files {
		if tf.Err == nil && tf.Trust != model.TrustAllowed {
			env.say("tokendesk: note: %s: %s", tf.Path, trustText(tf))
		}
	}
}

// withSources adds the TEAM and SECRET columns to the list's table when
// any profile comes from a team file or takes its secret from a
// reference; rows are in the order of ps, after the header.
func withSources(table [][]string, ps []model.Profile) [][]string {
	shown := false
	for _, p := range ps {
		shown = shown || p.Team != "" || p.SecretRef != ""
	}
	if !shown {
		return table
	}
	table[0] = append(table[0], "TEAM", "SECRET")
	for i, p := range ps {
		table[i+1] = append(table[i+1], teamName(p), secretSource(p))
	}
	return table
}
