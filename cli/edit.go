package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
	"github.com/tokendesk/tokendesk/core"
	"github.com/tokendesk/tokendesk/importer"
	"github.com/tokendesk/tokendesk/keys"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/secretref"
	"github.com/tokendesk/tokendesk/storage"
	"golang.org/x/term"
)

// profileFlags are the settings add and edit share.
type profileFlags struct {
	tokenURL, baseURL, clientID, authStyle, env, requestPath, notes, caFile, probePath string
	clientCert, introspectionURL                                                       string
	grant, authorizeURL, deviceURL, revocationURL, issuer, redirectURI                 string
	subjectProfile, subjectTokenType                                                   string
	redirectPort                                                                       int
	scopes, params, headers, tokenHeaders, secretHeaders, secretTokenHeaders           []string
	autoRefresh, allowInsecure                                                         bool
	timeout                                                                            int
	apiAuth                                                                            string // --api-auth
	secretRef                                                                          string
}

func (pf *profileFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&pf.tokenURL, "token-url", "", "the token endpoint, e.g. https://api.medplum.com/oauth2/token")
	fs.StringVar(&pf.clientID, "client-id", "", "the client ID")
	fs.StringVar(&pf.baseURL, "base-url", "", "the API base URL that curl paths are resolved against")
	fs.StringArrayVar(&pf.scopes, "scope", nil, "a scope to request (repeat for more, or give them space-separated)")
	fs.StringVar(&pf.authStyle, "auth-style", "auto", "how the client authenticates: auto, header (or client_secret_basic), body (or client_secret_post), private_key_jwt, client_secret_jwt, tls_client_auth (or self_signed_tls_client_auth), or none (a public client: the default of the grants a person signs in to)")
	fs.StringVar(&pf.clientCert, "client-cert", "", "with tls_client_auth: the client certificate PEM file (only its certificates are kept); none makes a self-signed one")
	fs.StringVar(&pf.introspectionURL, "introspection-url", "", "the RFC 7662 endpoint for 'tokendesk introspect' (default: from the server's metadata)")
	fs.StringArrayVar(&pf.headers, "header", nil, "a header 'Name: value' for the copied curl/HTTPie commands and 'test' (repeatable; '' clears)")
	fs.StringArrayVar(&pf.tokenHeaders, "token-header", nil, "a header 'Name: value' sent on the token request as well (repeatable; '' clears)")
	fs.StringArrayVar(&pf.secretHeaders, "secret-header", nil, "a header NAME like --header whose value is kept in the keychain, not the profiles file, and read from standard input, never an argument; or NAME: REF, its value from a secret reference like --secret-ref's (repeatable; '' clears)")
	fs.StringArrayVar(&pf.secretTokenHeaders, "secret-token-header", nil, "a header NAME like --token-header whose value is kept in the keychain and read from standard input (repeatable; '' clears)")
	fs.StringVar(&pf.env, "env", "", "environment label, e.g. local, staging, prod")
	fs.StringArrayVar(&pf.params, "param", nil, "an extra token request parameter k=v, e.g. audience=… (repeatable)")
	fs.StringVar(&pf.requestPath, "request-path", "", "default path for 'tokendesk curl'")
	fs.StringVar(&pf.probePath, "probe-path", "", "what 'tokendesk test' calls, e.g. auth/me for Medplum")
	fs.BoolVar(&pf.autoRefresh, "auto-refresh", false, "let the window fetch a new token before expiry")
	fs.BoolVar(&pf.allowInsecure, "allow-insecure-http", false, "allow a plain http:// token URL to a non-loopback host (sends the secret in clear text)")
	fs.IntVar(&pf.timeout, "timeout", 0, "token request timeout in seconds (default 30)")
	fs.StringVar(&pf.notes, "notes", "", "free-text notes")
	fs.StringVar(&pf.grant, "grant", "client_credentials", "how the token is got: client_credentials, authorization_code (a person signs in in the browser), device_code (a person signs in with a code) or token_exchange (another token traded in)")
	fs.StringVar(&pf.authorizeURL, "authorize-url", "", "with authorization_code: the authorization endpoint the browser is sent to")
	fs.StringVar(&pf.deviceURL, "device-url", "", "with device_code: the device authorization endpoint")
	fs.StringVar(&pf.revocationURL, "revocation-url", "", "the RFC 7009 endpoint 'tokendesk logout' revokes the refresh token at (default: from the server's metadata)")
	fs.StringVar(&pf.issuer, "issuer", "", "the server's issuer: a sign-in coming back with another iss is refused (RFC 9207)")
	fs.IntVar(&pf.redirectPort, "redirect-port", 0, "with authorization_code: the loopback port of http://127.0.0.1:PORT/callback (default: a free one)")
	fs.StringVar(&pf.redirectURI, "redirect-uri", "", "with authorization_code: the exact loopback redirect URI to listen on, for a server that matches it exactly (Medplum: http://localhost:9615)")
	fs.StringVar(&pf.subjectProfile, "subject-profile", "", "with token_exchange: the profile whose token is exchanged (default: the token on standard input)")
	fs.StringVar(&pf.subjectTokenType, "subject-token-type", "", "with token_exchange: the subject token's type (default urn:ietf:params:oauth:token-type:access_token)")
	fs.StringVar(&pf.caFile, "ca-file", "", "PEM file of CAs to trust for this token endpoint (a dev server's own CA), besides the system's")
	fs.StringVar(&pf.apiAuth, "api-auth", "bearer", "how API calls (curl, HTTPie, test, proxy) authenticate: bearer (the token) or basic (the client ID and secret, as Medplum's On-Behalf-Of wants)")
	fs.StringVar(&pf.secretRef, "secret-ref", "", secretRefUsage)
}

// change reads the flags that were given (all of them for a new profile)
// as a change; the values of secret headers are read afterwards (see
// readHeaderValues).
func (pf *profileFlags) change(fs *pflag.FlagSet) (core.Change, error) {
	var c core.Change
	set := func(name string) bool { return fs.Changed(name) }
	str := func(name string, dst **string, v string) {
		if set(name) {
			*dst = &v
		}
	}
	str("token-url", &c.TokenURL, pf.tokenURL)
	str("client-id", &c.ClientID, pf.clientID)
	str("base-url", &c.BaseURL, pf.baseURL)
	str("env", &c.Env, pf.env)
	str("client-cert", &c.CertFile, pf.clientCert)
	str("introspection-url", &c.IntrospectionURL, pf.introspectionURL)
	str("request-path", &c.RequestPath, pf.requestPath)
	str("probe-path", &c.ProbePath, pf.probePath)
	str("notes", &c.Notes, pf.notes)
	str("ca-file", &c.CAFile, pf.caFile)
	str("authorize-url", &c.AuthorizeURL, pf.authorizeURL)
	str("device-url", &c.DeviceURL, pf.deviceURL)
	str("revocation-url", &c.RevocationURL, pf.revocationURL)
	str("issuer", &c.Issuer, pf.issuer)
	str("redirect-uri", &c.RedirectURI, pf.redirectURI)
	str("subject-profile", &c.SubjectProfile, pf.subjectProfile)
	str("subject-token-type", &c.SubjectTokenType, pf.subjectTokenType)
	if set("redirect-port") {
		c.RedirectPort = &pf.redirectPort
	}
	if set("grant") {
		g := model.Grant(pf.grant)
		if g == model.GrantClientCredentials {
			g = "" // the zero value means client_credentials
		}
		c.Grant = &g
		if g.SignsIn() && !set("auth-style") {
			// A native app is a public client (RFC 8252 §8.4) unless a
			// secret is asked for.
			c.AuthStyle = new(model.AuthNone)
		}
	}
	str("secret-ref", &c.SecretRef, pf.secretRef)
	if set("scope") {
		var scopes []string
		for _, s := range pf.scopes {
			scopes = append(scopes, strings.Fields(s)...)
		}
		c.Scopes = &scopes
	}
	if set("auth-style") {
		c.AuthStyle = new(model.ParseAuthStyle(pf.authStyle))
	}
	if set("param") {
		params, err := core.ParseParams(pf.params)
		var pe *core.ParamError
		if errors.As(err, &pe) {
			return c, usageError{fmt.Errorf("--param %q: want key=value", pf.params[pe.Line-1])}
		}
		c.Params = &params
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
		hs := core.HeaderSet{Token: hf.token, Secret: hf.secret}
		for _, line := range hf.lines {
			if strings.TrimSpace(line) == "" {
				continue
			}
			var h model.Header
			var err error
			if hf.secret {
				h, err = secretHeaderName(line)
			} else {
				h, err = model.ParseHeader(line)
			}
			if err != nil {
				return c, usageError{fmt.Errorf("--%s: %w", hf.flag, err)}
			}
			hs.Headers = append(hs.Headers, h)
		}
		c.HeaderKinds = append(c.HeaderKinds, hs)
	}
	if set("auto-refresh") {
		c.AutoRefresh = &pf.autoRefresh
	}
	if set("allow-insecure-http") {
		c.AllowInsecure = &pf.allowInsecure
	}
	if set("timeout") {
		c.TimeoutSeconds = &pf.timeout
	}
	if set("api-auth") {
		a := model.APIAuth(pf.apiAuth)
		if a != model.APIBearer && a != model.APIBasic {
			return c, usageError{fmt.Errorf("--api-auth %q: want bearer or basic", pf.apiAuth)}
		}
		c.APIAuth = &a
	}
	return c, nil
}

// errSecretOnArgv refuses a secret header's value in an argument, which
// every local user can read in /proc and which stays in shell history.
var errSecretOnArgv = errors.New("give the header's name only; its value is read from standard input (or asked for without echo), never taken from an argument")

// secretHeaderName reads --secret-header NAME, or NAME: REF with a secret
// reference; any other value after a colon is refused, and never quoted.
func secretHeaderName(arg string) (model.Header, error) {
	name, value, _ := strings.Cut(arg, ":")
	if ref := strings.TrimSpace(value); secretref.Is(ref) {
		h, err := model.ParseHeader(strings.TrimSpace(name) + ":")
		h.Secret, h.Ref = true, ref
		return h, err
	}
	if strings.TrimSpace(value) != "" {
		return model.Header{}, errSecretOnArgv
	}
	h, err := model.ParseHeader(strings.TrimSpace(name) + ":")
	if err != nil {
		// The argument may be a value typed by mistake: never quote it.
		return model.Header{}, errors.New("a secret header's name: letters, digits and -_.!#$%&'*+^`|~ only, and not one Token Desk sets itself")
	}
	h.Secret = true
	return h, nil
}

// input reads the secrets a command needs, in order, from standard input
// (a line each) or, on a terminal, from prompts without echo.
type input struct {
	env  *Env
	r    *bufio.Reader
	tty  *os.File
	name string // the profile's name, for the prompts
}

func (env *Env) input(name string) *input {
	in := &input{env: env, name: name}
	if f, ok := env.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		in.tty = f
	} else {
		in.r = bufio.NewReader(env.Stdin)
	}
	return in
}

// read returns the next secret; what names it in the prompt and errors.
func (in *input) read(what string) (string, error) {
	if in.tty != nil {
		fmt.Fprintf(in.env.Stderr, "%s for %s: ", what, in.name)
		b, err := term.ReadPassword(int(in.tty.Fd()))
		fmt.Fprintln(in.env.Stderr)
		if err != nil {
			return "", fmt.Errorf("read %s: %w", strings.ToLower(what[:1])+what[1:], err)
		}
		return string(b), nil
	}
	line, err := in.r.ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read %s from standard input: %w", strings.ToLower(what[:1])+what[1:], err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// secret reads the client secret.
func (in *input) secret() (string, error) {
	s, err := in.read("Client secret")
	if err == nil && s == "" {
		err = usageError{errors.New("no client secret: pipe it on standard input, e.g. printf '%s\\n' \"$SECRET\" | tokendesk add …")}
	}
	return s, err
}

// headerValues reads a value for each secret header c names, in the order
// of the flags.
func (in *input) headerValues(c *core.Change) error {
	for i, hs := range c.HeaderKinds {
		if !hs.Secret {
			continue
		}
		for j, h := range hs.Headers {
			if h.Ref != "" {
				continue // resolved when needed
			}
			v, err := in.read("Value of header " + h.Name)
			if err != nil {
				return err
			}
			v = strings.TrimSpace(v)
			if v == "" {
				return usageError{fmt.Errorf("secret header %s: no value on standard input (a line each, after the client secret when one is read)", h.Name)}
			}
			if strings.ContainsAny(v, "\r\n\x00") {
				return usageError{fmt.Errorf("header %s: the value must be one line", h.Name)}
			}
			c.HeaderKinds[i].Headers[j].Value = v
		}
	}
	return nil
}

// saveError makes a mistake in what was typed a usage error, with advice
// for the CLI.
func saveError(err error) error {
	var invalid *core.InvalidError
	var taken *core.NameTakenError
	switch {
	case errors.Is(err, keys.ErrCertMismatch):
		return usageError{fmt.Errorf("%w: give the matching --private-key (or --client-cert '' for a new self-signed certificate)", err)}
	case errors.As(err, &invalid), errors.As(err, &taken), errors.Is(err, core.ErrKeyNotUsed):
		return usageError{err}
	}
	return err
}

func newAdd(env *Env) *cobra.Command {
	var pf profileFlags
	var keyFile, preset, discover string
	c := &cobra.Command{
		Use:   "add NAME --token-url URL --client-id ID [flags]",
		Short: "Add a profile; the client secret is read from standard input",
		Long: `Add a profile. The client secret is read from the first line of standard
input, or asked for without echo on a terminal; it goes to the keychain,
never to a file or a flag. The values of secret headers follow, a line
each, in the order of their flags.`,
		Example: `  printf '%s\n' "$SECRET" | tokendesk add medplum-prod \
      --token-url https://api.medplum.com/oauth2/token --client-id "$ID" \
      --base-url https://api.medplum.com/ --env prod
  tokendesk add local --token-url http://localhost:8103/oauth2/token --client-id abc --env local
  printf '%s\n' "$SECRET" "$API_KEY" | tokendesk add gw --token-url https://… --client-id abc --secret-header X-Api-Key`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ch, err := pf.change(cmd.Flags())
			if err != nil {
				return err
			}
			ch.Name, ch.KeyFile = &args[0], keyFile
			if ch, err = env.presetOf(cmd, preset, discover, pf, ch); err != nil {
				return err
			}
			desk := env.desk()
			if err := desk.Check(model.Profile{}, ch); err != nil {
				var taken *core.NameTakenError
				if errors.As(err, &taken) {
					return usageError{fmt.Errorf("%w (change it with 'tokendesk edit')", err)}
				}
				return saveError(err)
			}
			style := model.AuthAuto
			if ch.AuthStyle != nil {
				style = *ch.AuthStyle
			}
			in := env.input(args[0])
			if !style.UsesKey() && style != model.AuthNone && !hasRef(ch) {
				if ch.Secret, err = in.secret(); err != nil {
					return err
				}
			}
			if err := in.headerValues(&ch); err != nil {
				return err
			}
			saved, err := desk.Add(ch)
			if err != nil {
				return saveError(err)
			}
			env.sayMade(saved.Profile, saved.Made)
			if p := saved.Profile; p.GrantType().SignsIn() {
				env.say("Added %q. Sign in with: %s", p.Name, suggest("tokendesk", "login", p.Name))
				return nil
			}
			env.say("Added %q; its credential is %s. Get a token with: %s", saved.Profile.Name, secretSource(saved.Profile), suggest("tokendesk", "token", saved.Profile.Name))
			return nil
		},
	}
	pf.register(c.Flags())
	c.Flags().StringVar(&keyFile, "private-key", "", "with private_key_jwt or tls_client_auth: the PEM private key (RSA or EC P-256); none generates an RSA 2048 key")
	c.Flags().StringVar(&preset, "preset", "", "start from a preset: medplum (a sign-in at --base-url, default Medplum's cloud, as the Medplum CLI's public client medplum-cli on http://localhost:9615)")
	c.Flags().StringVar(&discover, "discover", "", "fill the endpoints the grant needs (token, authorization, device, revocation) and the issuer from this server's metadata")
	return c
}

// presetOf lays the flags given (ch) over a preset and what discovery
// found, for add.
func (env *Env) presetOf(cmd *cobra.Command, preset, discover string, pf profileFlags, ch core.Change) (core.Change, error) {
	var base model.Profile
	switch preset {
	case "":
	case "medplum":
		base = importer.MedplumSignIn("", pf.baseURL, pf.clientID)
		if !cmd.Flags().Changed("auth-style") {
			ch.AuthStyle = nil // the preset's public client, unless said otherwise
		}
	default:
		return ch, usageError{fmt.Errorf("--preset %q: want medplum", preset)}
	}
	if discover != "" {
		md, err := env.Client.Discover(cmd.Context(), discover)
		if err != nil {
			return ch, err
		}
		p := core.Applied(base, ch)
		md.Fill(&p)
		for _, w := range md.Warnings(p.GrantType(), p.Style()) {
			env.say("warning: %s", w)
		}
		return core.Preset(p, core.Change{Secret: ch.Secret, KeyFile: ch.KeyFile, CertFile: ch.CertFile, EnvColor: ch.EnvColor, HeaderKinds: ch.HeaderKinds}), nil
	}
	if preset == "" {
		return ch, nil
	}
	return core.Preset(base, ch), nil
}

func newEdit(env *Env) *cobra.Command {
	var pf profileFlags
	var rename, keyFile string
	var secretStdin bool
	c := &cobra.Command{
		Use:   "edit NAME [flags]",
		Short: "Change a profile's settings (only the flags given change)",
		Long: `Change a profile's settings: only the flags given change, applied to the
profile as it is saved when the change is made, so that edits of other
fields meanwhile (the window, another edit) are kept. A new client secret
is read from standard input with --secret-stdin; the values of secret
headers follow, a line each, in the order of their flags.`,
		Example: "  tokendesk edit prod --scope 'openid profile'\n  printf '%s\\n' \"$NEW_SECRET\" | tokendesk edit prod --secret-stdin\n  tokendesk edit prod --name medplum-prod\n  printf '%s\\n' \"$API_KEY\" | tokendesk edit prod --secret-header X-Api-Key",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, old, err := env.profile(args[0])
			if err != nil {
				return err
			}
			ch, err := pf.change(cmd.Flags())
			if err != nil {
				return err
			}
			if cmd.Flags().Changed("name") {
				ch.Name = &rename
			}
			ch.KeyFile = keyFile
			desk := env.desk()
			if err := desk.Check(old, ch); err != nil {
				return saveError(err)
			}
			in := env.input(old.Name)
			if secretStdin {
				if ch.Secret, err = in.secret(); err != nil {
					return err
				}
			}
			if err := in.headerValues(&ch); err != nil {
				return err
			}
			saved, err := desk.Edit(old, ch)
			if err != nil {
				return saveError(err)
			}
			env.sayMade(saved.Profile, saved.Made)
			if saved.RenamedFrom != "" {
				fmt.Fprintf(env.Stderr, "Saved %q (renamed from %q meanwhile).\n", saved.Profile.Name, saved.RenamedFrom)
				return nil
			}
			fmt.Fprintf(env.Stderr, "Saved %q.\n", saved.Profile.Name)
			return nil
		},
	}
	pf.register(c.Flags())
	c.Flags().StringVar(&rename, "name", "", "rename the profile (its secret and cached token stay)")
	c.Flags().BoolVar(&secretStdin, "secret-stdin", false, "read a new client secret from standard input")
	c.Flags().StringVar(&keyFile, "private-key", "", "a new PEM private key for private_key_jwt or tls_client_auth")
	return c
}

// desk is the core over env's profiles, keychain and token sessions.
func (env *Env) desk() *core.Desk { return env.deskIn(&storage.File{}) }

// deskIn is desk with the settings of f (the refresh margin).
func (env *Env) deskIn(f *storage.File) *core.Desk {
	d := core.New(env.Store, env.Keys, env.manager(f))
	d.Now = env.Now
	return d
}

// sayMade tells what was generated and what to do with it.
func (env *Env) sayMade(p model.Profile, m keys.Made) {
	if s := m.Advice(p); s != "" {
		fmt.Fprintln(env.Stderr, s)
	}
}
