package cli

import (
	"errors"
	"fmt"
	"time"

	"github.com/spf13/cobra"
	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/format"
	"github.com/tokendesk/tokendesk/internal/shellquote"
)

func newIntrospect(env *Env) *cobra.Command {
	var fresh, asJSON bool
	c := &cobra.Command{
		Use:   "introspect NAME",
		Short: "Ask the server what it knows of the profile's token (RFC 7662)",
		Long: `Ask the token introspection endpoint (RFC 7662) about the profile's current
token, authenticating as the profile's client, and print what the server
says: active, scope, client_id, sub, exp and the rest. It is the only look
inside an opaque token such as Hydra's ory_at_…. The endpoint is the
profile's --introspection-url, or the one the server's metadata lists.
Exits 1 when the server says the token is not active.`,
		Example: "  tokendesk introspect hydra-local\n  tokendesk introspect prod --json | jq .scope",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, p, t, err := env.tokenIn(cmd.Context(), args[0], fresh)
			if err != nil {
				return err
			}
			in, err := env.manager(f).Introspect(cmd.Context(), p, t)
			if errors.Is(err, auth.ErrNoIntrospection) {
				return fmt.Errorf("introspect the token of %q: %w (tokendesk edit %s --introspection-url URL)", p.Name, err, shellquote.Word(p.Name))
			}
			if err != nil {
				return fmt.Errorf("introspect the token of %q: %w", p.Name, err)
			}
			if asJSON {
				_, err = fmt.Fprintln(env.Stdout, string(jsonSafe(in.Raw)))
			} else {
				rows := [][]string{{"endpoint", in.Endpoint}}
				for _, fl := range format.IntrospectionFields(in) {
					v := fl.Value
					if fl.Name == "exp" && !in.Exp.IsZero() {
						v += "  (" + leftText(in.Exp.Sub(env.Now())) + ")"
					}
					rows = append(rows, []string{fl.Name, v})
				}
				err = env.table(rows)
			}
			if err == nil && !in.Active {
				err = errors.New("the server says the token is not active")
			}
			return err
		},
	}
	c.Flags().BoolVar(&fresh, "fresh", false, "fetch a new token first")
	c.Flags().BoolVar(&asJSON, "json", false, "print the server's answer as it came")
	return c
}

func leftText(d time.Duration) string {
	if d <= 0 {
		return "expired"
	}
	return format.Left(d) + " left"
}
