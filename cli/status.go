package cli

import (
	"encoding/json"
	"time"

	"github.com/spf13/cobra"
	"github.com/tokendesk/tokendesk/model"
)

func newStatus(env *Env) *cobra.Command {
	return &cobra.Command{
		Use:   "status NAME",
		Short: "Exit 0 if a usable token is cached, 1 if not; print nothing",
		Long: `Exit 0 when the profile has a cached token that has not expired, and 1 when
it has none (or only an expired one), printing nothing and asking no server:
for scripts and shell prompts. An unknown profile is an error, said on
standard error.`,
		Example: "  tokendesk status prod || tokendesk token prod >/dev/null",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			f, p, err := env.profile(args[0])
			if err != nil {
				return err
			}
			s := env.manager(f).Session(p)
			s.Load()
			if !s.Status(env.Now()).Usable() {
				return childExit{1} // silent: the exit status is the answer
			}
			return nil
		},
	}
}

// execCredential is t as the client.authentication.k8s.io/v1 ExecCredential
// that kubectl reads from a credential plugin.
func execCredential(t *model.Token) ([]byte, error) {
	type status struct {
		Token               string `json:"token"`
		ExpirationTimestamp string `json:"expirationTimestamp,omitempty"`
	}
	st := status{Token: t.AccessToken}
	if !t.Expiry.IsZero() {
		st.ExpirationTimestamp = t.Expiry.UTC().Format(time.RFC3339)
	}
	return json.Marshal(struct {
		APIVersion string `json:"apiVersion"`
		Kind       string `json:"kind"`
		Status     status `json:"status"`
	}{"client.authentication.k8s.io/v1", "ExecCredential", st})
}

// printExecCredential writes t for kubectl's exec credential plugin.
func printExecCredential(env *Env, t *model.Token) error {
	data, err := execCredential(t)
	if err != nil {
		return err
	}
	_, err = env.Stdout.Write(append(data, '\n'))
	return err
}
