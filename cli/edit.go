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
	clientCert, introspectionURL                                                       string
	scopes, params, headers, tokenHeaders, secretHeaders, secretTokenHeaders           []string
	autoRefresh, allowInsecure                                                         bool
	timeout                                                                            int
}

func (pf *profileFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&pf.tokenURL, "token-url", "", "the token endpoint, e.g. https://api.medplum.com/oauth2/token")
	fs.StringVar(&pf.clientID, "client-id", "", "the client ID")
	fs.StringVar(&pf.baseURL, "base-url", "", "the API base URL that curl paths are resolved against")
	fs.StringArrayVar(&pf.scopes, "scope", nil, "a scope to request (repeat for more, or give them space-separated)")
	fs.StringVar(&pf.authStyle, "auth-style", "auto", "how the client authenticates: auto, header (or client_secret_basic), body (or client_secret_post), private_key_jwt, client_secret_jwt, or tls_client_auth (or self_signed_tls_client_auth)")
	fs.StringVar(&pf.clientCert, "client-cert", "", "with tls_client_auth: the client certificate PEM file (only its certificates are kept); none makes a self-signed one")
	fs.StringVar(&pf.introspectionURL, "introspection-url", "", "the RFC 7662 endpoint for 'tokendesk introspect' (default: from the server's metadata)")
	fs.StringArrayVar(&pf.headers, "header", nil, "a header 'Name: value' for the copied curl/HTTPie commands and 'test' (repeatable; '' clears)")
	fs.StringArrayVar(&pf.tokenHeaders, "token-header", nil, "a header 'Name: value' sent on the token request as well (repeatable; '' clears)")
	fs.StringArrayVar(&pf.secretHeaders, "secret-header", nil, "like --header, with the value kept in the keychain, not the profiles file, e.g. \"X-Api-Key: $API_KEY\" (repeatable; '' clears)")
	fs.StringArrayVar(&pf.secretTokenHeaders, "secret-token-header", nil, "like --token-header, with the value kept in the keychain (repeatable; '' clears)")
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
		p.AuthStyle = storage.ParseAuthStyle(pf.authStyle)
		if p.Style() != storage.AuthTLS {
			p.ClientCert = "" // only tls_client_auth presents one
		}
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
	if set("client-cert") {
		p.ClientCert = ""
		if pf.clientCert != "" {
			cert, err := auth.ReadCertFile(pf.clientCert)
			if err != nil {
				return err
			}
			p.ClientCert = cert
		}
	}
	if set("introspection-url") {
		p.IntrospectionURL = pf.introspectionURL
	}
	for _, hf := range []struct {
		flag          string
		lines         []string
		token, secret bool
	}{
		{"header", pf.headers, false, false}, {"token-header", pf.tokenHeaders, true, false},
		{"secret-header", pf.secretHeaders, false, true}, {"secret-token-header", pf.secretTokenHeaders, true, true},
	} {
		if !set(hf.flag) {
			continue
		}
		kept := p.Headers[:0:0]
		for _, h := range p.Headers {
			if h.TokenRequest != hf.token || h.Secret != hf.secret {
				kept = append(kept, h)
			}
		}
		for _, line := range hf.lines {
			if strings.TrimSpace(line) == "" {
				continue
			}
			parse := storage.ParseHeader
			if hf.secret {
				parse = storage.ParseSecretHeader
			}
			h, err := parse(line)
			if err != nil {
				return usageError{fmt.Errorf("--%s: %w", hf.flag, err)}
			}
			h.TokenRequest = hf.token
			kept = append(kept, h)
		}
		p.Headers = kept
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
			key, made, err := env.keyPair(&p, keyFile, false)
			if err != nil {
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
			if p.Style().UsesKey() {
				if err := env.Keys.SetPrivateKey(p.ID, key); err != nil {
					return err
				}
				env.sayMade(p, made)
			} else {
				secret, err := env.readSecret(p.Name)
				if err != nil {
					return err
				}
				if err := env.Keys.SetClientSecret(p.ID, secret); err != nil {
					return err
				}
			}
			if _, err := env.Keys.SaveHeaderValues(p); err != nil {
				_ = env.Keys.Forget(p.ID)
				return err
			}
			err = env.Store.Update(func(f *storage.File) error {
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
	c.Flags().StringVar(&keyFile, "private-key", "", "with private_key_jwt or tls_client_auth: the PEM private key (RSA or EC P-256); none generates an RSA 2048 key")
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
			key, made, err := env.keyPair(&p, keyFile, true)
			if err != nil {
				return err
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
			if key != "" {
				if err := env.Keys.SetPrivateKey(p.ID, key); err != nil {
					return err
				}
				env.sayMade(p, made)
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
			tokenHeaderChanged, err := env.Keys.SaveHeaderValues(p)
			if err != nil {
				return err
			}
			if secretStdin || key != "" || made.Cert || tokenHeaderChanged || p.Fingerprint() != old.Fingerprint() {
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
	c.Flags().StringVar(&keyFile, "private-key", "", "a new PEM private key for private_key_jwt or tls_client_auth")
	return c
}

// keyPair settles the key pair of a profile whose style uses one (see
// auth.SettleKeyPair), reading the key in the keychain when editing.
func (env *Env) keyPair(p *storage.Profile, keyFile string, editing bool) (string, auth.Made, error) {
	if !p.Style().UsesKey() && keyFile != "" {
		return "", auth.Made{}, usageError{fmt.Errorf("--private-key is for private_key_jwt and tls_client_auth; %q uses %s", p.Name, p.Style())}
	}
	current := ""
	if editing && p.Style().UsesKey() {
		var err error
		if current, err = env.Keys.PrivateKey(p.ID); err != nil && !errors.Is(err, storage.ErrKeyMissing) {
			return "", auth.Made{}, err
		}
	}
	key, m, err := auth.SettleKeyPair(p, current, keyFile, env.Now())
	if errors.Is(err, auth.ErrCertMismatch) {
		err = usageError{fmt.Errorf("%w: give the matching --private-key (or --client-cert '' for a new self-signed certificate)", err)}
	}
	return key, m, err
}

// sayMade tells what keyPair generated and what to do with it.
func (env *Env) sayMade(p storage.Profile, m auth.Made) {
	if s := m.Advice(p); s != "" {
		fmt.Fprintln(env.Stderr, s)
	}
}
