package cli

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"time"

	"al.essio.dev/pkg/shellescape"
	"github.com/spf13/cobra"
	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/format"
	"github.com/tokendesk/tokendesk/internal/shellquote"
	"github.com/tokendesk/tokendesk/keys"
	"github.com/tokendesk/tokendesk/model"
)

func newHTTPie(env *Env) *cobra.Command {
	var fresh bool
	c := &cobra.Command{
		Use:     "httpie NAME [PATH|URL]",
		Short:   "Print a ready-made HTTPie command that calls the API with the token",
		Example: "  tokendesk httpie prod fhir/R4/Patient\n  eval \"$(tokendesk httpie prod auth/me)\"",
		Args:    cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			return env.printRequest(cmd, args, fresh, format.HTTPie)
		},
	}
	c.Flags().BoolVar(&fresh, "fresh", false, "ignore the cached token and ask the server")
	return c
}

// tokenEnv is the environment a command gets from env and exec.
func tokenEnv(p model.Profile, t *model.Token) [][2]string {
	vars := [][2]string{{"ACCESS_TOKEN", t.AccessToken}, {"TOKEN_TYPE", auth.Scheme(t.TokenType)}}
	if !t.Expiry.IsZero() {
		vars = append(vars, [2]string{"TOKEN_EXPIRES_AT", t.Expiry.UTC().Format(time.RFC3339)})
	}
	if p.BaseURL != "" {
		vars = append(vars, [2]string{"BASE_URL", p.BaseURL})
	}
	if p.BasicAPI() { // what the copied commands name: -u "$CLIENT_ID:$CLIENT_SECRET"
		vars = append(vars, [2]string{"CLIENT_ID", p.ClientID})
	}
	return vars
}

func newEnv(env *Env) *cobra.Command {
	var fresh, withSecret bool
	var shell string
	c := &cobra.Command{
		Use:   "env NAME",
		Short: "Print export lines (ACCESS_TOKEN, TOKEN_EXPIRES_AT, BASE_URL) for eval",
		Long: `Print shell export lines for the profile's token, for eval:
ACCESS_TOKEN, TOKEN_TYPE, TOKEN_EXPIRES_AT (RFC 3339, when known) and
BASE_URL (when set). The cached token is used while valid. With --shell
powershell (the default on Windows) the lines set $env: variables, for
Invoke-Expression.

For a profile whose API calls use Basic auth (--api-auth basic), CLIENT_ID
too, and with --include-secret CLIENT_SECRET: the variables the copied
curl and HTTPie commands name.`,
		Example: "  eval \"$(tokendesk env prod)\"\n  curl -H \"Authorization: Bearer $ACCESS_TOKEN\" \"${BASE_URL}fhir/R4/Patient\"\n  tokendesk env prod --shell powershell | Invoke-Expression   # PowerShell",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkShell(shell); err != nil {
				return err
			}
			if withSecret {
				if _, p, err := env.profile(args[0]); err != nil {
					return err
				} else if !p.BasicAPI() {
					return usageError{fmt.Errorf("profile %q sends its token to the API, not the client secret: --include-secret is for --api-auth basic", p.Name)}
				}
			}
			p, t, err := env.token(cmd.Context(), args[0], fresh)
			if err != nil {
				return err
			}
			vars := tokenEnv(p, t)
			if withSecret {
				secret, err := env.Keys.Secret(cmd.Context(), p)
				if err != nil {
					return err
				}
				vars = append(vars, [2]string{"CLIENT_SECRET", secret})
			}
			for _, kv := range vars {
				line := "export " + kv[0] + "=" + shellescape.Quote(kv[1])
				if shell == "powershell" {
					line = "$env:" + kv[0] + " = " + shellquote.PowerShellString(kv[1])
				}
				if err := env.line(line); err != nil {
					return err
				}
			}
			return nil
		},
	}
	c.Flags().BoolVar(&fresh, "fresh", false, "ignore the cached token and ask the server")
	c.Flags().StringVar(&shell, "shell", defaultShell(), "print for posix or powershell")
	c.Flags().BoolVar(&withSecret, "include-secret", false, "also print CLIENT_SECRET, the client secret itself (--api-auth basic profiles)")
	return c
}

// childExit carries the exit status of the command exec ran.
type childExit struct{ code int }

func (e childExit) Error() string { return fmt.Sprintf("the command exited with status %d", e.code) }

func newExec(env *Env) *cobra.Command {
	var fresh bool
	c := &cobra.Command{
		Use:   "exec NAME -- COMMAND [ARG...]",
		Short: "Run a command with the profile's token in its environment",
		Long: `Run COMMAND with ACCESS_TOKEN, TOKEN_TYPE, TOKEN_EXPIRES_AT and BASE_URL
set (see 'tokendesk env'), directly, without a shell. Its exit status is
tokendesk's.`,
		Example: "  tokendesk exec prod -- sh -c 'curl -H \"Authorization: Bearer $ACCESS_TOKEN\" \"${BASE_URL}auth/me\"'\n  tokendesk exec prod -- npm run integration-test",
		Args: func(cmd *cobra.Command, args []string) error {
			if cmd.ArgsLenAtDash() != 1 || len(args) < 2 {
				return errors.New("want NAME -- COMMAND [ARG...]")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			p, t, err := env.token(cmd.Context(), args[0], fresh)
			if err != nil {
				return err
			}
			child := exec.Command(args[1], args[2:]...)
			child.Stdin, child.Stdout, child.Stderr = env.Stdin, env.Stdout, env.Stderr
			child.Env = os.Environ()
			for _, kv := range tokenEnv(p, t) {
				child.Env = append(child.Env, kv[0]+"="+kv[1])
			}
			err = child.Run()
			var ee *exec.ExitError
			switch {
			case errors.As(err, &ee):
				return childExit{ee.ExitCode()}
			case err != nil:
				return fmt.Errorf("run %s: %w", args[1], err)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&fresh, "fresh", false, "ignore the cached token and ask the server")
	return c
}

func newJWKS(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "jwks NAME",
		Short: "Print the public JSON Web Key Set of a private_key_jwt or tls_client_auth profile",
		Long: `Print the public JWK Set of the profile's private key, to publish at the
client's jwksUri (for Medplum, the ClientApplication's JWKS URI). For
tls_client_auth the key carries its certificate as x5c, the form
self_signed_tls_client_auth servers register.`,
		Example: "  tokendesk jwks medplum-prod > jwks.json",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, p, err := env.profile(args[0])
			if err != nil {
				return err
			}
			if !p.Style().UsesKey() {
				return usageError{fmt.Errorf("profile %q uses %s: only private_key_jwt and tls_client_auth have a key pair", p.Name, p.Style())}
			}
			key, err := env.Keys.Key(cmd.Context(), p)
			if err != nil {
				return err
			}
			set, err := keys.JWKS(key, p.ClientCert)
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(env.Stdout, set)
			return err
		},
	}
}
