// Package cli is Token Desk on the command line: the same profiles, keychain
// and token sessions as the window, as sub-commands a script can call.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/format"
	"github.com/tokendesk/tokendesk/internal/safetext"
	"github.com/tokendesk/tokendesk/internal/shellquote"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/proxy"
	"github.com/tokendesk/tokendesk/session"
	"github.com/tokendesk/tokendesk/storage"
)

// Env is what the commands work with; main builds the real one, tests a fake.
type Env struct {
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	Store          *storage.Store
	Keys           *storage.Keychain
	Client         *auth.Client
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// OpenWindow starts the window; it runs for `tokendesk` with no arguments.
	OpenWindow func() error
	// Version is printed by --version.
	Version string
	// OpenURL opens the system browser for a sign-in; nil means
	// browser.Open.
	OpenURL func(url string) error

	// login says a command may start a sign-in (--login).
	login bool
	// subject is the token exchange's subject token, once read from
	// standard input.
	subject *string
}

// usageError marks a mistake in how the command was called: exit status 2.
type usageError struct{ error }

// Run runs the command line args (without the program name) and returns the
// exit status: 0 success, 1 failure, 2 usage error.
func Run(args []string, env Env) int {
	if env.Now == nil {
		env.Now = time.Now
	}
	root := newRoot(&env)
	root.SetArgs(args)
	root.SetIn(env.Stdin)
	root.SetOut(env.Stdout)
	root.SetErr(env.Stderr)
	completionExamples(root)
	err := root.Execute()
	if err == nil {
		return 0
	}
	var ce childExit
	if errors.As(err, &ce) {
		return ce.code // the command run by exec failed; it has said why
	}
	env.say("tokendesk: %v", err)
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintln(env.Stderr, "Run 'tokendesk --help' for usage.")
		return 2
	}
	return 1
}

func newRoot(env *Env) *cobra.Command {
	root := &cobra.Command{
		Use:   "tokendesk",
		Short: "OAuth2 client-credentials tokens, with secrets in the keychain",
		Long: `Token Desk keeps OAuth2 client profiles (client ID, token URL, scopes)
with every client secret in the operating system's keychain, fetches and
caches client-credentials tokens, and prints them as a token, an
Authorization header or a curl command.

With no command it opens the window.`,
		Example: `  printf '%s\n' "$SECRET" | tokendesk add prod --token-url https://api.medplum.com/oauth2/token \
      --client-id "$ID" --base-url https://api.medplum.com/ --env prod
  tokendesk token prod
  curl -H "$(tokendesk header prod)" https://api.medplum.com/fhir/R4/Patient`,
		Version:       env.Version,
		SilenceErrors: true,
		SilenceUsage:  true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if env.OpenWindow == nil {
				return errors.New("this build has no window")
			}
			return env.OpenWindow()
		},
	}
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return usageError{err} })
	root.PersistentFlags().BoolVar(&env.login, "login", false, "when a profile needs a sign-in, start it (opens the browser) rather than fail")
	root.AddCommand(
		newList(env), newAdd(env), newEdit(env), newCp(env), newRm(env),
		newLogin(env), newLogout(env),
		newToken(env), newHeader(env), newCurl(env), newHTTPie(env), newEnv(env), newExec(env), newExport(env), newImport(env), newDiscover(env), newTest(env), newJWKS(env), newIntrospect(env), newRepair(env),
		newProxy(env), newStatus(env), newTeam(env),
	)
	wrapArgs(root)
	completeNames(env, root)
	return root
}

// Command is the command tree, for generating documentation (tools/man);
// Run is how the binary runs it.
func Command(env Env) *cobra.Command {
	if env.Now == nil {
		env.Now = time.Now
	}
	return newRoot(&env)
}

// completeNames makes shell completion offer profile names for the NAME
// arguments of c and its sub-commands (the first argument, or every one
// for NAME...).
func completeNames(env *Env, c *cobra.Command) {
	for _, sub := range c.Commands() {
		completeNames(env, sub)
	}
	fields := strings.Fields(c.Use)
	if len(fields) < 2 || !strings.HasPrefix(fields[1], "NAME") || c.ValidArgsFunction != nil {
		return
	}
	many := strings.HasPrefix(fields[1], "NAME...")
	c.ValidArgsFunction = func(_ *cobra.Command, args []string, prefix string) ([]cobra.Completion, cobra.ShellCompDirective) {
		if len(args) > 0 && !many {
			return nil, cobra.ShellCompDirectiveDefault // PATH, URL or a command: the shell's own completion
		}
		f, err := env.Store.Load()
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		var names []cobra.Completion
		for _, p := range f.Profiles {
			if strings.HasPrefix(p.Name, prefix) && !slices.Contains(args, p.Name) {
				desc := p.Env
				if desc == "" {
					desc = p.TokenURL
				}
				names = append(names, cobra.CompletionWithDesc(p.Name, safetext.Escape(desc)))
			}
		}
		return names, cobra.ShellCompDirectiveNoFileComp
	}
}

// wrapArgs makes argument-count mistakes usage errors, in c and below.
func wrapArgs(c *cobra.Command) {
	for _, sub := range c.Commands() {
		wrapArgs(sub)
	}
	check := c.Args
	switch {
	case check == nil && c.RunE == nil && c.Run == nil:
		// A command that only groups others (export, import): cobra's own
		// check says "unknown command" for a word it does not know.
		check = cobra.NoArgs
	case check == nil:
		check = cobra.ArbitraryArgs // a command that says nothing takes any
	}
	c.Args = func(cmd *cobra.Command, args []string) error {
		if err := check(cmd, args); err != nil {
			return usageError{err}
		}
		return nil
	}
}

// fixHint is the command that mends what err says is missing from p, as
// " (tokendesk edit NAME …)", or "" when err is no such thing.
func fixHint(p model.Profile, err error) string {
	var args []string
	switch {
	case errors.Is(err, storage.ErrSecretMissing):
		args = []string{"--secret-stdin"}
	case errors.Is(err, storage.ErrKeyMissing):
		args = []string{"--private-key", "FILE"}
	case errors.Is(err, model.ErrHeaderMissing):
		args = []string{"--secret-header", "NAME"}
		for _, h := range p.Headers {
			if h.Secret {
				args[1] = h.Name
				break
			}
		}
	case errors.Is(err, proxy.ErrNoBaseURL):
		args = []string{"--base-url", "URL"}
	default:
		return ""
	}
	return " (" + suggest(append([]string{"tokendesk", "edit", p.Name}, args...)...) + ")"
}

// completionExamples makes cobra's own completion command now, once the
// root's output is set (cobra takes it when the command is made), so that
// it has examples like every other.
func completionExamples(root *cobra.Command) {
	root.InitDefaultCompletionCmd()
	c, _, err := root.Find([]string{"completion"})
	if err != nil || c == root {
		return
	}
	examples := map[string]string{
		"bash":       "  tokendesk completion bash > ~/.local/share/bash-completion/completions/tokendesk",
		"zsh":        `  tokendesk completion zsh > "${fpath[1]}/_tokendesk"`,
		"fish":       "  tokendesk completion fish > ~/.config/fish/completions/tokendesk.fish",
		"powershell": "  tokendesk completion powershell | Out-String | Invoke-Expression",
	}
	c.Example = examples["bash"] + "\n" + examples["zsh"] + "\n" + examples["fish"]
	for _, sub := range c.Commands() {
		sub.Example = examples[sub.Name()]
	}
	wrapArgs(c)
}

// manager builds the token sessions over env's keychain.
func (env *Env) manager(f *storage.File) *session.Manager {
	m := session.NewManager(env.Keys, env.Client)
	m.Now = env.Now
	m.SetMargin(time.Duration(f.Settings.RefreshMarginSeconds) * time.Second)
	m.Profiles = f.ByID
	m.Subject = env.readSubject
	m.HandOff = true // the process ends soon after it has the token (proxy turns it off)
	return m
}

// profile loads the file and finds a profile by name.
func (env *Env) profile(name string) (*storage.File, model.Profile, error) {
	f, err := env.Store.Load()
	if err != nil {
		return nil, model.Profile{}, err
	}
	p, err := f.ByName(name)
	if err != nil {
		env.sayTeam(f) // a refused team file may be where it was
		return nil, p, fmt.Errorf("no profile named %q (see 'tokendesk list')", name)
	}
	return f, p, nil
}

// token returns a usable token for the named profile.
func (env *Env) token(ctx context.Context, name string, fresh bool) (model.Profile, *model.Token, error) {
	_, p, t, err := env.tokenIn(ctx, name, fresh)
	return p, t, err
}

// tokenIn is token with the profiles file it was found in.
func (env *Env) tokenIn(ctx context.Context, name string, fresh bool) (*storage.File, model.Profile, *model.Token, error) {
	f, p, err := env.profile(name)
	if err != nil {
		return nil, p, nil, err
	}
	desk := env.deskIn(f)
	t, notCached, err := desk.Token(ctx, p, fresh)
	if errors.Is(err, session.ErrSignInNeeded) && env.login && p.GrantType().SignsIn() {
		var user model.User
		if user, err = env.signIn(ctx, desk, p, false, 0); err == nil {
			env.say("Signed in to %s as %s.", p.Name, user)
			t, notCached, err = desk.Token(ctx, p, false)
		}
	}
	if errors.Is(err, session.ErrSignInNeeded) {
		return nil, p, nil, fmt.Errorf("%q: %w; run: %s", name, err, suggest("tokendesk", "login", name))
	}
	if err != nil {
		return nil, p, nil, fmt.Errorf("fetch token for %q: %w%s", name, err, fixHint(p, err))
	}
	if notCached != nil {
		env.say("tokendesk: note: this token is not cached, the next call fetches a new one: %v", notCached)
	}
	if missing, added := format.ScopeDiff(p.Scopes, t.Scope); len(missing)+len(added) > 0 {
		env.say("tokendesk: note: the server granted scope %q, not the %q asked for%s",
			t.Scope, strings.Join(p.Scopes, " "), scopeDiffText(missing, added))
	}
	return f, p, t, nil
}

func newList(env *Env) *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:     "list",
		Short:   "List profiles with their token state and time left",
		Example: "  tokendesk list\n  tokendesk list --json | jq -r '.[].name'",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			f, err := env.Store.Load()
			if err != nil {
				return err
			}
			m := env.manager(f)
			now := env.Now()
			type row struct {
				Name             string      `json:"name"`
				ID               string      `json:"id"`
				Env              string      `json:"env,omitempty"`
				TokenURL         string      `json:"tokenUrl"`
				BaseURL          string      `json:"baseUrl,omitempty"`
				ClientID         string      `json:"clientId"`
				Grant            string      `json:"grant"`
				State            string      `json:"state"`
				SignedIn         *bool       `json:"signedIn,omitempty"`
				User             *model.User `json:"user,omitempty"`
				RefreshExpiresAt *time.Time  `json:"refreshExpiresAt,omitempty"`
				ExpiresAt        *time.Time  `json:"expiresAt,omitempty"`
				SecondsLeft      *int64      `json:"secondsLeft,omitempty"`
				Team             string      `json:"team,omitempty"`
				SecretRef        string      `json:"secretRef,omitempty"`
			}
			rows := make([]row, 0, len(f.Profiles))
			for _, p := range f.Profiles {
				sess := m.Session(p)
				sess.Load()
				st := sess.Status(now)
				r := row{Name: p.Name, ID: p.ID, Env: p.Env, TokenURL: p.TokenURL, BaseURL: p.BaseURL, ClientID: p.ClientID, Grant: string(p.GrantType()), State: format.Status(st)}
				if p.GrantType().SignsIn() {
					r.SignedIn = &st.SignedIn
					if st.SignedIn {
						r.User = &st.User
					}
					if !st.RefreshExpiry.IsZero() {
						r.RefreshExpiresAt = &st.RefreshExpiry
					}
				}
				r.Team, r.SecretRef = p.Team, p.SecretRef
				if st.ExpiryKnown() {
					exp := st.Token.Expiry
					left := int64(st.Left / time.Second)
					r.ExpiresAt, r.SecondsLeft = &exp, &left
				}
				rows = append(rows, r)
			}
			env.sayTeam(f)
			if asJSON {
				return writeJSON(env.Stdout, rows)
			}
			if len(rows) == 0 {
				env.say("No profiles yet. Add one with 'tokendesk add NAME --token-url URL --client-id ID'.")
				return nil
			}
			table := [][]string{{"NAME", "ENV", "TOKEN", "CLIENT ID", "TOKEN URL"}}
			for _, r := range rows {
				table = append(table, []string{r.Name, dash(r.Env), r.State, r.ClientID, r.TokenURL})
			}
			table = withSources(table, f.Profiles)
			return env.table(table)
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print JSON for scripts")
	return c
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func newToken(env *Env) *cobra.Command {
	var fresh, asJSON bool
	var format string
	c := &cobra.Command{
		Use:   "token NAME",
		Short: "Print the profile's access token (cached while valid)",
		Long: `Print the profile's access token on standard output and nothing else.
A cached token with more than the refresh margin (60 s) left is reused;
--fresh always asks the server.`,
		Example: "  tokendesk token prod\n  TOKEN=$(tokendesk token prod --fresh)\n  tokendesk token prod --json | jq .expires_at\n  tokendesk token prod --format kubectl   # for a kubeconfig exec stanza",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "" && (format != "kubectl" || asJSON) {
				return usageError{fmt.Errorf("--format %q: want kubectl, without --json", format)}
			}
			p, t, err := env.token(cmd.Context(), args[0], fresh)
			if err != nil {
				return err
			}
			if format == "kubectl" {
				return printExecCredential(env, t)
			}
			if !asJSON {
				return env.line(t.AccessToken)
			}
			out := map[string]any{
				"profile":      p.Name,
				"access_token": t.AccessToken,
				"token_type":   auth.Scheme(t.TokenType),
				"issued_at":    t.IssuedAt,
			}
			if t.Scope != "" {
				out["scope"] = t.Scope
			}
			if len(p.Scopes) > 0 {
				out["requested_scope"] = strings.Join(p.Scopes, " ")
			}
			if !t.Expiry.IsZero() {
				out["expires_at"] = t.Expiry
				out["expires_in"] = int64(t.Expiry.Sub(env.Now()) / time.Second)
			}
			return writeJSON(env.Stdout, out)
		},
	}
	c.Flags().BoolVar(&fresh, "fresh", false, "ignore the cached token and ask the server")
	c.Flags().BoolVar(&asJSON, "json", false, "print the token with its type, scope and expiry as JSON")
	c.Flags().StringVar(&format, "format", "", "kubectl: print a client.authentication.k8s.io/v1 ExecCredential")
	return c
}

func newHeader(env *Env) *cobra.Command {
	var fresh bool
	c := &cobra.Command{
		Use:     "header NAME",
		Short:   `Print "Authorization: Bearer <token>"`,
		Example: `  curl -H "$(tokendesk header prod)" https://api.example.com/fhir/R4/Patient`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, t, err := env.token(cmd.Context(), args[0], fresh)
			if err != nil {
				return err
			}
			return env.line(format.Header(t))
		},
	}
	c.Flags().BoolVar(&fresh, "fresh", false, "ignore the cached token and ask the server")
	return c
}

// defaultShell is what the printed commands are quoted for unless --shell
// says otherwise: PowerShell on Windows, a POSIX shell elsewhere.
func defaultShell() string { return shellquote.Default() }

// checkShell refuses a --shell the commands cannot be quoted for.
func checkShell(shell string) error {
	if shell != "posix" && shell != "powershell" {
		return usageError{fmt.Errorf("--shell %q: want posix or powershell", shell)}
	}
	return nil
}

func newCurl(env *Env) *cobra.Command {
	var fresh, request bool
	var shell string
	c := &cobra.Command{
		Use:   "curl NAME [PATH|URL]",
		Short: "Print a ready-made curl command that calls the API with the token",
		Long: `Print a curl command that calls PATH under the profile's base URL (or an
absolute URL as given) with the token and the profile's extra headers.
Without PATH, the profile's default request path is used. It is quoted for
a POSIX shell, or with --shell powershell for PowerShell (as curl.exe; the
default on Windows).

--token-request prints the token request itself instead, with the client
secret left as $CLIENT_SECRET (POSIX shells only).`,
		Example: "  tokendesk curl prod fhir/R4/Patient\n  eval \"$(tokendesk curl prod auth/me)\"\n  tokendesk curl prod auth/me --shell powershell\n  tokendesk curl prod --token-request",
		Args:    cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := checkShell(shell); err != nil {
				return err
			}
			if shell == "powershell" && !request {
				return env.printRequest(cmd, args, fresh, format.CurlPowerShell)
			}
			if request {
				_, p, err := env.profile(args[0])
				if err != nil {
					return err
				}
				return env.line(format.TokenRequestCurl(p))
			}
			return env.printRequest(cmd, args, fresh, format.Curl)
		},
	}
	c.Flags().BoolVar(&fresh, "fresh", false, "ignore the cached token and ask the server")
	c.Flags().BoolVar(&request, "token-request", false, "print the token request as curl, with $CLIENT_SECRET")
	c.Flags().StringVar(&shell, "shell", defaultShell(), "quote for posix or powershell")
	return c
}

func newRm(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:     "rm NAME",
		Aliases: []string{"remove", "delete"},
		Short:   "Remove a profile with its client secret and cached token",
		Example: "  tokendesk rm old-staging",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			_, p, err := env.profile(args[0])
			if err != nil {
				return err
			}
			removed, err := env.desk().Delete(p.ID)
			if errors.Is(err, storage.ErrNotFound) {
				return fmt.Errorf("no profile named %q", args[0])
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stderr, "Removed %q with its client secret and cached token.\n", removed.Name)
			return nil
		},
	}
}

func newRepair(env *Env) *cobra.Command {
	var fresh, removeOrphans bool
	c := &cobra.Command{
		Use:   "repair [--fresh] [--remove-orphans]",
		Short: "Recover from a profiles file that cannot be read; find keychain items no profile owns",
		Long: `Recover from a profiles file that cannot be read: keep every whole, valid
profile it holds (or, with --fresh, none), and set the broken file aside
under a new name rather than deleting it. Secrets in the keychain are not
touched.

When the profiles file reads fine, list the keychain items that no profile
in it owns (such as those of an add that was killed before it saved the
profile); --remove-orphans removes them. Profiles kept under another
TOKENDESK_CONFIG_DIR share the keychain: their items are listed too.`,
		Example: "  tokendesk repair\n  tokendesk repair --fresh\n  tokendesk repair --remove-orphans",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if _, err := env.Store.Load(); err == nil {
				return env.repairKeychain(removeOrphans)
			}
			f := &storage.File{Version: storage.FileVersion}
			var skipped []string
			if !fresh {
				var err error
				if f, skipped, err = env.Store.Salvage(); err != nil {
					return err
				}
			}
			aside, err := env.Store.Recover(f, env.Now())
			if err != nil {
				return err
			}
			fmt.Fprintf(env.Stderr, "Kept %d profile(s); the broken file is now %s.\n", len(f.Profiles), aside)
			for _, s := range skipped {
				fmt.Fprintln(env.Stderr, "  left out:", s)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&fresh, "fresh", false, "start with no profiles")
	c.Flags().BoolVar(&removeOrphans, "remove-orphans", false, "remove the keychain items that no profile owns")
	return c
}

// repairKeychain lists, or removes, the keychain items no profile owns.
func (env *Env) repairKeychain(remove bool) error {
	orphans, team, err := env.desk().Orphans(remove)
	if errors.Is(err, storage.ErrCannotList) {
		fmt.Fprintln(env.Stderr, "The profiles file reads fine. This platform's keychain cannot list Token Desk's items, so items that no profile owns cannot be found here.")
		return nil
	}
	if err != nil {
		return fmt.Errorf("look for keychain items no profile owns: %w", err)
	}
	if len(team) > 0 {
		fmt.Fprintf(env.Stderr, "%d keychain item(s) (cached tokens, sign-ins) belong to team profiles of team files not read here ($%s not set in this shell, or the file moved); they are kept.\n", len(team), storage.TeamEnv)
	}
	if len(orphans) == 0 {
		fmt.Fprintln(env.Stderr, "The profiles file reads fine; nothing to repair.")
		return nil
	}
	if remove {
		fmt.Fprintf(env.Stderr, "Removed %d keychain item(s) that no profile owned:\n", len(orphans))
	} else {
		fmt.Fprintf(env.Stderr, "The profiles file reads fine. %d keychain item(s) (service %q) belong to no profile in %s:\n", len(orphans), storage.Service, env.Store.Path())
	}
	for _, e := range orphans {
		fmt.Fprintln(env.Stdout, e.User)
	}
	if !remove {
		fmt.Fprintln(env.Stderr, "Remove them with 'tokendesk repair --remove-orphans' (profiles kept under another TOKENDESK_CONFIG_DIR share the keychain: check first).")
	}
	return nil
}

// printRequest prints the API call NAME [PATH|URL] as a command line that
// render makes (curl, HTTPie), fetching a token if needed. A path that
// cannot be resolved is a usage error, found before any token request.
func (env *Env) printRequest(cmd *cobra.Command, args []string, fresh bool, render func(model.Profile, format.Credential, string) (string, error)) error {
	path := ""
	if len(args) == 2 {
		path = args[1]
	}
	_, p, err := env.profile(args[0])
	if err != nil {
		return err
	}
	if _, err := auth.RequestURL(p, path); err != nil {
		return usageError{err}
	}
	var c format.Credential // Basic API calls: no token, $CLIENT_ID and $CLIENT_SECRET
	if !p.BasicAPI() {
		if p, c.Token, err = env.token(cmd.Context(), args[0], fresh); err != nil {
			return err
		}
	}
	if p, err = env.Keys.Resolve(p); err != nil {
		return err
	}
	line, err := render(p, c, path)
	if err != nil {
		return err
	}
	return env.line(line)
}

func scopeDiffText(missing, added []string) string {
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "not granted: "+strings.Join(missing, " "))
	}
	if len(added) > 0 {
		parts = append(parts, "added: "+strings.Join(added, " "))
	}
	return " (" + strings.Join(parts, "; ") + ")"
}
