package cli

import (
	"errors"
	"fmt"

	"github.com/spf13/cobra"
	"github.com/tokendesk/tokendesk/format"
	"github.com/tokendesk/tokendesk/model"
)

func newTest(env *Env) *cobra.Command {
	var fresh bool
	c := &cobra.Command{
		Use:   "test NAME [PATH|URL]",
		Short: "Call the API with the token and show the answer (exit 0 on 2xx)",
		Long: `Fetch a token if needed, call the profile's probe path (or PATH) under its
base URL with it, and print the status, the time taken and the start of
the body. Exits 0 when the API answers 2xx.`,
		Example: "  tokendesk test medplum-prod            # Medplum profiles probe auth/me\n  tokendesk test prod fhir/R4/Patient?_count=1",
		Args:    cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			path := ""
			if len(args) == 2 {
				path = args[1]
			}
			f, p, err := env.profile(args[0])
			if err != nil {
				return err
			}
			if path == "" && p.ProbePath == "" && p.RequestPath == "" {
				return usageError{fmt.Errorf("profile %q has no probe path: give a PATH, or set one with: %s", p.Name, suggest("tokendesk", "edit", p.Name, "--probe-path", "auth/me"))}
			}
			if path == "" && p.ProbePath == "" {
				path = p.RequestPath
			}
			var t *model.Token // Basic API calls: the client ID and secret, no token
			if !p.BasicAPI() {
				if f, p, t, err = env.tokenIn(cmd.Context(), args[0], fresh); err != nil {
					return err
				}
			}
			r, err := env.manager(f).Probe(cmd.Context(), p, t, path)
			if err != nil {
				return err
			}
			if err := env.line(format.Probe(r)); err != nil {
				return err
			}
			if !r.OK() {
				return errors.New("the API did not accept the call")
			}
			return nil
		},
	}
	c.Flags().BoolVar(&fresh, "fresh", false, "ignore the cached token and ask the server")
	return c
}
