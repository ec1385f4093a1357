package cli

import (
	"errors"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/storage"
)

// profileFlags are the settings add and edit share.
type profileFlags struct {
	tokenURL, baseURL, clientID, authStyle, env, requestPath, notes, caFile, probePath string
	scopes, params                                                                     []string
	autoRefresh, allowInsecure                                                         bool
	timeout                                                                            int
}

func (pf *profileFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&pf.tokenURL, "token-url", "", "the token endpoint, e.g. https://api.medplum.com/oauth2/token")
	fs.StringVar(&pf.clientID, "client-id", "", "the client ID")
	fs.StringVar(&pf.baseURL, "base-url", "", "the API base URL that curl paths are resolved against")
	fs.StringArrayVar(&pf.scopes, "scope", nil, "a scope to request (repeat for more, or give them space-separated)")
	fs.StringVar(&pf.authStyle, "auth-style", "auto", "how the client authenticates: auto, header (client_secret_basic), body (client_secret_post) or private_key_jwt")
	fs.StringVar(&pf.env, "env", "", "environment label, e.g. local, staging, prod")
	fs.StringArrayVar(&pf.params, "param", nil, "an extra token request parameter k=v, e.g. audience=… (repeatable)")
	fs.StringVar(&pf.requestPath, "request-path", "", "default path for 'tokendesk curl'")
	fs.StringVar(&pf.probePath, "probe-path", "", "what 'tokendesk test' calls, e.g. auth/me for Medplum")
	fs.BoolVar(&pf.autoRefresh, "auto-refresh", false, "let the window fetch a new token before expiry")
	fs.BoolVar(&pf.allowInsecure, "allow-insecure-http", false, "allow a plain http:// token URL to a non-loopback host (sends the secret in clear text)")
	fs.IntVar(&pf.timeout, "timeout", 0, "token request timeout in seconds (default 30)")
	fs.StringVar(&pf.notes, "notes", "", "free-text notes")
	fs.StringVar(&pf.caFile, "ca-file", "", "PEM file of CAs to trust for this token endpoint (a dev server's own CA), besides the system's")
}

// apply copies the flags that were given (all of them for a new profile)
// onto p.
func (pf *profileFlags) apply(fs *pflag.FlagSet, p *storage.Profile) error {
	set := func(name string) bool { return fs.Changed(name) }
	if set("token-url") {
		p.TokenURL = pf.tokenURL
	}
	if set("client-id") {
		p.ClientID = pf.clientID
	}
	if set("base-url") {
		p.BaseURL = pf.baseURL
	}
	if set("scope") {
		p.Scopes = nil
		for _, s := range pf.scopes {
			p.Scopes = append(p.Scopes, strings.Fields(s)...)
		}
	}
	if set("auth-style") {
		p.AuthStyle = storage.AuthStyle(pf.authStyle)
	}
	if set("env") {
		p.Env = pf.env
	}
	if set("param") {
		p.Params = nil
		for _, kv := range pf.params {
			k, v, ok := strings.Cut(kv, "=")
			if !ok || k == "" {
				return usageError{fmt.Errorf("--param %q: want key=value", kv)}
			}
			if p.Params == nil {
				p.Params = url.Values{}
			}
			p.Params.Add(k, v)
		}
	}
	if set("request-path") {
		p.RequestPath = pf.requestPath
	}
	if set("probe-path") {
		p.ProbePath = pf.probePath
	}
	if set("auto-refresh") {
		p.AutoRefresh = pf.autoRefresh
	}
	if set("allow-insecure-http") {
		p.AllowInsecure = pf.allowInsecure
	}
	if set("timeout") {
		p.TimeoutSeconds = pf.timeout
	}
	if set("notes") {
		p.Notes = pf.notes
	}
	if set("ca-file") {
		p.CAFile = pf.caFile
		if p.CAFile != "" {
			abs, err := filepath.Abs(p.CAFile)
			if err != nil {
				return err
			}
			p.CAFile = abs
		}
	}
	return nil
}

func newAdd(env *Env) *cobra.Command {
	var pf profileFlags
	var keyFile string
	c := &cobra.Command{
		Use:   "add NAME --token-url URL --client-id ID [flags]",
		Short: "Add a profile; the client secret is read from standard input",
		Long: `Add a profile. The client secret is read from the first line of standard
input, or asked for without echo on a terminal; it goes to the keychain,
never to a file or a flag.`,
		Example: `  printf '%s\n' "$SECRET" | tokendesk add medplum-prod \
      --token-url https://api.medplum.com/oauth2/token --client-id "$ID" \
      --base-url https://api.medplum.com/ --env prod
  tokendesk add local --token-url http://localhost:8103/oauth2/token --client-id abc --env local`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			p := storage.Profile{Name: args[0], ID: storage.NewID()}
			if err := pf.apply(cmd.Flags(), &p); err != nil {
				return err
			}
			if err := p.Validate(); err != nil {
				return usageError{err}
			}
			if f, err := env.Store.Load(); err != nil {
				return err
			} else if _, err := f.ByName(p.Name); err == nil {
				return usageError{fmt.Errorf("a profile named %q already exists (change it with 'tokendesk edit')", p.Name)}
			}
			// The credential goes in first: a profile is never saved without it.
			if p.Style() == storage.AuthPrivateKeyJWT {
				key, err := auth.ReadKeyFile(keyFile)
				if err != nil {
					return err
				}
				if err := env.Keys.SetPrivateKey(p.ID, key); err != nil {
					return err
				}
				if keyFile == "" {
					fmt.Fprintf(env.Stderr, "Generated an RSA 2048 key; publish its public half ('tokendesk jwks %s') at the client's jwksUri.\n", p.Name)
				}
			} else {
				secret, err := env.readSecret(p.Name)
				if err != nil {
					return err
				}
				if err := env.Keys.SetClientSecret(p.ID, secret); err != nil {
					return err
				}
			}
			err := env.Store.Update(func(f *storage.File) error {
				_, err := f.Put(p)
				return err
			})
			if err != nil {
				_ = env.Keys.Forget(p.ID)
				return err
			}
			fmt.Fprintf(env.Stderr, "Added %q; its credential is in the keychain. Get a token with 'tokendesk token %s'.\n", p.Name, p.Name)
			return nil
		},
	}
	pf.register(c.Flags())
	c.Flags().StringVar(&keyFile, "private-key", "", "with --auth-style private_key_jwt: the PEM private key (RSA or EC P-256); none generates an RSA 2048 key")
	return c
}

func newEdit(env *Env) *cobra.Command {
	var pf profileFlags
	var rename, keyFile string
	var secretStdin bool
	c := &cobra.Command{
		Use:   "edit NAME [flags]",
		Short: "Change a profile's settings (only the flags given change)",
		Long: `Change a profile's settings: only the flags given change. A new client
secret is read from standard input with --secret-stdin.`,
		Example: "  tokendesk edit prod --scope 'openid profile'\n  printf '%s\\n' \"$NEW_SECRET\" | tokendesk edit prod --secret-stdin\n  tokendesk edit prod --name medplum-prod",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, old, err := env.profile(args[0])
			if err != nil {
				return err
			}
			p := old
			if err := pf.apply(cmd.Flags(), &p); err != nil {
				return err
			}
			if cmd.Flags().Changed("name") {
				p.Name = rename
			}
			if err := p.Validate(); err != nil {
				return usageError{err}
			}
			var secret string
			if secretStdin {
				if secret, err = env.readSecret(p.Name); err != nil {
					return err
				}
			}
			err = env.Store.Update(func(f *storage.File) error {
				if _, err := f.ByID(p.ID); err != nil {
					return errors.New("the profile was removed meanwhile")
				}
				_, err := f.Put(p)
				return err
			})
			if err != nil {
				return err
			}
			if secretStdin {
				if err := env.Keys.SetClientSecret(p.ID, secret); err != nil {
					return err
				}
			}
			if keyFile != "" {
				key, err := auth.ReadKeyFile(keyFile)
				if err != nil {
					return err
				}
				if err := env.Keys.SetPrivateKey(p.ID, key); err != nil {
					return err
				}
			}
			if secretStdin || keyFile != "" || p.Fingerprint() != old.Fingerprint() {
				if err := env.Keys.DeleteToken(p.ID); err != nil {
					return err
				}
			}
			fmt.Fprintf(env.Stderr, "Saved %q.\n", p.Name)
			return nil
		},
	}
	pf.register(c.Flags())
	c.Flags().StringVar(&rename, "name", "", "rename the profile (its secret and cached token stay)")
	c.Flags().BoolVar(&secretStdin, "secret-stdin", false, "read a new client secret from standard input")
	c.Flags().StringVar(&keyFile, "private-key", "", "a new PEM private key for private_key_jwt")
	return c
}
