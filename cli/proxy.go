package cli

import (
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/tokendesk/tokendesk/proxy"
)

func newProxy(env *Env) *cobra.Command {
	var port int
	var verbose bool
	c := &cobra.Command{
		Use:   "proxy NAME [--port N]",
		Short: "Serve the profile's API on loopback with the token added",
		Long: `Forward http://127.0.0.1:PORT/<key>/<path> to the profile's base URL + <path>,
with "Authorization: Bearer <token>" and the profile's extra headers, so that a
tool without OAuth2 support can call the API. The token is fetched, cached and
refreshed as for 'tokendesk token'; after a 401 to a cached token a new one is
fetched and the request sent once more (bodies up to 1 MiB).

The first line on standard output is the base URL to use, key included. The
key is kept in the keychain, so the URL stays the same between runs; a request
without it gets 403. Only 127.0.0.1 and ::1 are bound. Ctrl+C stops.`,
		Example: "  tokendesk proxy prod --port 8787\n  BASE=$(tokendesk proxy prod | head -n1)   # in another shell: curl \"${BASE}fhir/R4/Patient\"",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if port < 0 || port > 65535 {
				return usageError{fmt.Errorf("--port %d: want 1 to 65535, or 0 for any free port", port)}
			}
			f, p, err := env.profile(args[0])
			if err != nil {
				return err
			}
			m := env.manager(f)
			m.HandOff = false // it runs for hours: a token it could not cache is reported
			s := &proxy.Server{Profile: p, Keys: env.Keys, Tokens: m, Port: port}
			if verbose {
				var mu sync.Mutex
				s.Log = func(e proxy.Entry) {
					mu.Lock()
					defer mu.Unlock()
					env.say("%s", e)
				}
			}
			if err := s.Start(); err != nil {
				return fmt.Errorf("proxy for %q: %w%s", p.Name, err, fixHint(p, err))
			}
			defer s.Stop()
			if err := env.line(s.URL()); err != nil {
				return err
			}
			env.say("Forwarding to %s with the token of %q. Ctrl+C stops.", p.BaseURL, p.Name)
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			<-ctx.Done()
			return nil
		},
	}
	c.Flags().IntVarP(&port, "port", "p", 0, "loopback port to listen on (0: any free port)")
	c.Flags().BoolVarP(&verbose, "verbose", "v", false, "log each request on standard error: time, method, path, status, duration")
	return c
}
