package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/tokendesk/tokendesk/core"
	"github.com/tokendesk/tokendesk/model"
)

func newCp(env *Env) *cobra.Command {
	var pf profileFlags
	var keyFile string
	c := &cobra.Command{
		Use:   "cp NAME NEW [--env ENV] [flags]",
		Short: "Copy a profile's settings to a new profile; its own secret is read from standard input",
		Long: `Copy a profile's settings to a new profile NEW, for another environment:
the flags given change the copy (--env, --token-url, --base-url, …). No
secret is copied: the copy's client secret is read from the first line of
standard input, or asked for without echo on a terminal; a key style gets
--private-key or a new key; a secret header needs its value again
(--secret-header NAME, the value on standard input).`,
		Example: `  printf '%s\n' "$PROD_SECRET" | tokendesk cp api-staging api-prod --env prod \
      --token-url https://auth.example.com/oauth2/token --base-url https://api.example.com/`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, src, err := env.profile(args[0])
			if err != nil {
				return err
			}
			ch, err := pf.change(cmd.Flags())
			if err != nil {
				return err
			}
			ch.Name, ch.KeyFile = &args[1], keyFile
			desk := env.desk()
			// As a new profile: its name must be free of the source too, and
			// it has no certificate of the source's.
			known := src
			known.ID, known.ClientCert = "", ""
			if err := desk.Check(known, ch); err != nil {
				return saveError(err)
			}
			style := src.AuthStyle
			if ch.AuthStyle != nil {
				style = *ch.AuthStyle
			}
			ref := src.SecretRef // the copy's secret comes from the same place
			if ch.SecretRef != nil {
				ref = *ch.SecretRef
			}
			in := env.input(args[1])
			if st := (model.Profile{AuthStyle: style}).Style(); !st.UsesKey() && st != model.AuthNone && ref == "" {
				if ch.Secret, err = in.secret(); err != nil {
					return err
				}
			}
			if err := in.headerValues(&ch); err != nil {
				return err
			}
			saved, err := desk.Duplicate(src.ID, ch)
			if errors.Is(err, core.ErrHeaderValueRequired) {
				return usageError{fmt.Errorf("%w (--secret-header NAME, the value on standard input)", err)}
			}
			if err != nil {
				return saveError(err)
			}
			env.sayMade(saved.Profile, saved.Made)
			env.say("Copied %q to %q; its credential is %s.", src.Name, saved.Profile.Name, secretSource(saved.Profile))
			return nil
		},
	}
	pf.register(c.Flags())
	c.Flags().StringVar(&keyFile, "private-key", "", "with private_key_jwt or tls_client_auth: the copy's PEM private key; none generates an RSA 2048 key")
	return c
}
