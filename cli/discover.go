package cli

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/tokendesk/tokendesk/model"
)

func newDiscover(env *Env) *cobra.Command {
	var style, grant string
	var asJSON bool
	c := &cobra.Command{
		Use:   "discover URL",
		Short: "Find a server's token endpoint and what it supports",
		Long: `Fetch the server metadata of an issuer or base URL
(/.well-known/openid-configuration, then RFC 8414's
/.well-known/oauth-authorization-server) and print the token endpoint,
the client authentication methods and grant types it lists, and a warning
when --auth-style or --grant is not among them (or, for
authorization_code, PKCE's S256 is not listed).`,
		Example: "  tokendesk discover https://api.medplum.com/\n  tokendesk discover http://localhost:4444 --auth-style body\n  tokendesk discover http://localhost:4444 --grant authorization_code",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			g := model.Grant(grant)
			if !slices.Contains(model.Grants, g) {
				return usageError{fmt.Errorf("--grant %q: want one of client_credentials, authorization_code, device_code, token_exchange", grant)}
			}
			m, err := env.Client.Discover(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if asJSON {
				return writeJSON(env.Stdout, m)
			}
			rows := [][]string{{"token endpoint:", m.TokenEndpoint}}
			if m.Issuer != "" {
				rows = append(rows, []string{"issuer:", m.Issuer})
			}
			rows = append(rows, []string{"auth methods:", orUnlisted(m.AuthMethods)}, []string{"grant types:", orUnlisted(m.GrantTypes)})
			if len(m.Scopes) > 0 {
				rows = append(rows, []string{"scopes:", strings.Join(m.Scopes, " ")})
			}
			if m.IntrospectionEndpoint != "" {
				rows = append(rows, []string{"introspection:", m.IntrospectionEndpoint})
			}
			for _, e := range [][2]string{{"authorization:", m.AuthorizationEndpoint}, {"device:", m.DeviceEndpoint}, {"revocation:", m.RevocationEndpoint}} {
				if e[1] != "" {
					rows = append(rows, []string{e[0], e[1]})
				}
			}
			var grants []string
			for _, g := range m.Grants() {
				grants = append(grants, string(g))
			}
			rows = append(rows, []string{"grants usable:", orUnlisted(grants)})
			if err := env.table(rows); err != nil {
				return err
			}
			for _, w := range m.Warnings(g, model.ParseAuthStyle(style)) {
				env.say("warning: %s", w)
			}
			return nil
		},
	}
	c.Flags().StringVar(&style, "auth-style", "auto", "the auth style to check against: auto, header, body, private_key_jwt, client_secret_jwt or tls_client_auth")
	c.Flags().StringVar(&grant, "grant", string(model.GrantClientCredentials), "the grant to check against: client_credentials, authorization_code, device_code or token_exchange")
	c.Flags().BoolVar(&asJSON, "json", false, "print the metadata as JSON")
	return c
}

func orUnlisted(s []string) string {
	if len(s) == 0 {
		return "(not listed)"
	}
	return strings.Join(s, ", ")
}
