package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/core"
	"github.com/tokendesk/tokendesk/internal/browser"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/session"
	"golang.org/x/term"
)

func newLogin(env *Env) *cobra.Command {
	var noBrowser bool
	var wait time.Duration
	c := &cobra.Command{
		Use:   "login NAME [--no-browser]",
		Short: "Sign a person in for a profile (authorization_code, device_code)",
		Long: `Sign in for a profile whose tokens a person grants. With authorization_code,
Token Desk listens on the loopback interface, opens the system browser (or
$BROWSER) at the server's sign-in page and takes the one redirect back;
--no-browser prints the URL instead, for an ssh session. With device_code it
prints a code and the page to enter it at, and waits for the approval.

The access and refresh tokens go to the keychain; 'token', 'header',
'curl', 'env' and 'exec' then renew the access token silently. It prints
who signed in.`,
		Example: "  tokendesk login medplum\n  tokendesk login medplum --no-browser",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, p, err := env.profile(args[0])
			if err != nil {
				return err
			}
			if !p.GrantType().SignsIn() {
				return usageError{fmt.Errorf("profile %q uses %s, which needs no sign-in", p.Name, p.GrantType())}
			}
			user, err := env.signIn(cmd.Context(), env.deskIn(f), p, noBrowser, wait)
			if err != nil {
				return err
			}
			return env.line(fmt.Sprintf("Signed in to %s as %s.", p.Name, user))
		},
	}
	c.Flags().BoolVar(&noBrowser, "no-browser", false, "print the sign-in URL rather than open a browser")
	c.Flags().DurationVar(&wait, "wait", session.DefaultSignInTimeout, "how long to wait for the person to sign in")
	return c
}

// signIn runs p's sign-in, telling the person what to do on stderr, and
// returns who signed in.
func (env *Env) signIn(ctx context.Context, desk *core.Desk, p model.Profile, noBrowser bool, wait time.Duration) (model.User, error) {
	o := auth.SignInOptions{Timeout: wait, Prompt: func(pr auth.Prompt) { env.prompt(p, pr) }}
	if !noBrowser {
		o.Open = env.OpenURL
		if o.Open == nil {
			o.Open = browser.Open
		}
	}
	user, err := desk.SignIn(ctx, p, o)
	if err != nil {
		return user, fmt.Errorf("sign in to %q: %w", p.Name, err)
	}
	return user, nil
}

// prompt tells the person what the sign-in waits for.
func (env *Env) prompt(p model.Profile, pr auth.Prompt) {
	if pr.OpenErr != nil {
		env.say("tokendesk: could not open a browser (%v)", pr.OpenErr)
	}
	if d := pr.Device; d != nil {
		env.say("To sign in to %s, visit %s and enter the code: %s", p.Name, d.VerificationURI, d.UserCode)
		if pr.Opened {
			env.say("(a browser was opened at the sign-in page)")
		}
		return
	}
	if pr.Opened {
		env.say("Opened the browser to sign in to %s; waiting for it to come back…", p.Name)
		return
	}
	env.say("To sign in to %s, open this URL in a browser on this machine:\n\n  %s\n", p.Name, pr.URL)
}

func newLogout(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:     "logout NAME",
		Short:   "Sign out: revoke the refresh token and forget the profile's tokens",
		Example: "  tokendesk logout medplum",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, p, err := env.profile(args[0])
			if err != nil {
				return err
			}
			if !p.GrantType().SignsIn() {
				return usageError{fmt.Errorf("profile %q uses %s, which needs no sign-in: there is nothing to sign out of", p.Name, p.GrantType())}
			}
			done, err := env.deskIn(f).SignOut(cmd.Context(), p)
			switch {
			case err != nil:
				env.say("tokendesk: %v", err)
				env.say("Signed out of %s here (the tokens are forgotten); the server may still honour the refresh token.", p.Name)
				return errSignOutIncomplete
			case done == session.Revoked:
				env.say("Signed out of %s; the refresh token is revoked.", p.Name)
			case done == session.NoRevocationEndpoint:
				env.say("Signed out of %s (the tokens are forgotten; the server lists no revocation endpoint).", p.Name)
			default:
				env.say("Signed out of %s (no refresh token was on file).", p.Name)
			}
			return nil
		},
	}
}

// errSignOutIncomplete is a sign-out whose revocation failed: exit 1, the
// reason said already.
var errSignOutIncomplete = childExit{code: 1}

// readSubject reads the token exchange's subject token from standard
// input, once.
func (env *Env) readSubject(p model.Profile) (string, error) {
	if env.subject != nil {
		return *env.subject, nil
	}
	if f, ok := env.Stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		return "", fmt.Errorf("token exchange for %q: give the subject token on standard input, or a subject profile (--subject-profile)", p.Name)
	}
	in := env.input(p.Name)
	s, err := in.read("Subject token")
	if err != nil {
		return "", err
	}
	s = strings.TrimSpace(s)
	if s == "" {
		return "", errors.New("token exchange: no subject token on standard input")
	}
	env.subject = &s
	return s, nil
}
