package secretref

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/hashicorp/vault/api"
	"github.com/hashicorp/vault/api/cliconfig"
	"github.com/tokendesk/tokendesk/internal/safetext"
)

// vaultClient is a Vault API client as the person's vault CLI has it:
// VAULT_ADDR and the rest of the VAULT_ environment, and VAULT_TOKEN or
// else the token helper (~/.vault-token, or the token_helper in
// ~/.vault).
func vaultClient() (*api.Client, error) {
	cfg := api.DefaultConfig()
	if cfg.Error != nil {
		return nil, fmt.Errorf("vault configuration: %w", cfg.Error)
	}
	c, err := api.NewClient(cfg)
	if err != nil {
		return nil, fmt.Errorf("vault client: %w", err)
	}
	if c.Token() == "" && os.Getenv(api.EnvVaultToken) == "" {
		h, err := cliconfig.DefaultTokenHelper()
		if err != nil {
			return nil, fmt.Errorf("vault token helper: %w", err)
		}
		tok, err := h.Get()
		if err != nil {
			return nil, fmt.Errorf("vault token helper: %w", err)
		}
		if tok == "" {
			return nil, errors.New("no Vault token: sign in with 'vault login' or set VAULT_TOKEN")
		}
		c.SetToken(tok)
	}
	return c, nil
}

// vault reads r from a KV secrets engine, version 1 or 2, asking the
// server (as `vault kv get` does) where the mount ends and which version
// it is.
func (rv *Resolver) vault(ctx context.Context, r Ref) (string, error) {
	c, err := vaultClient()
	if err != nil {
		return "", err
	}
	mount, version, err := kvMount(ctx, c, r.Path)
	if err != nil {
		return "", err
	}
	rest := strings.TrimPrefix(r.Path, mount)
	read := mount + rest
	if version == 2 {
		read = mount + "data/" + rest
	}
	s, err := c.Logical().ReadWithContext(ctx, read)
	if err != nil {
		return "", vaultError(err)
	}
	if s == nil || s.Data == nil {
		return "", fmt.Errorf("%s: %w", r.Path, ErrNotFound)
	}
	data := s.Data
	if version == 2 {
		d, ok := s.Data["data"].(map[string]any)
		if !ok {
			return "", fmt.Errorf("%s (deleted or destroyed): %w", r.Path, ErrNotFound)
		}
		data = d
	}
	v, ok := data[r.Field]
	if !ok {
		return "", fmt.Errorf("field %s: %w", safetext.Escape(r.Field), ErrNotFound)
	}
	str, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("field %s is not a string", safetext.Escape(r.Field))
	}
	return str, nil
}

// kvMount asks the server which mount p is under (with its trailing
// slash) and its KV version. A server that does not know the question
// (an old Vault: 404) is taken as KV version 1 mounted at p's first
// segment, as the vault CLI does.
func kvMount(ctx context.Context, c *api.Client, p string) (string, int, error) {
	s, err := c.Logical().ReadWithContext(ctx, "sys/internal/ui/mounts/"+p)
	if err != nil {
		return "", 0, vaultError(err)
	}
	first, _, _ := strings.Cut(p, "/")
	if s == nil || s.Data == nil {
		return first + "/", 1, nil
	}
	mount, _ := s.Data["path"].(string)
	if mount == "" || !strings.HasPrefix(p, mount) {
		mount = first + "/"
	}
	version := 1
	if opts, ok := s.Data["options"].(map[string]any); ok {
		if v, _ := opts["version"].(string); v == "2" {
			version = 2
		}
	}
	return mount, version, nil
}

// vaultError is Vault's own first error, with the status.
func vaultError(err error) error {
	var re *api.ResponseError
	if errors.As(err, &re) {
		msg := "no detail"
		if len(re.Errors) > 0 {
			msg = vaultLine(re.Errors[0])
		}
		return &toolError{line: fmt.Sprintf("vault answered %d: %s", re.StatusCode, safetext.Escape(msg)), cause: err}
	}
	return &toolError{line: "vault: " + firstLine(err.Error(), ""), cause: err}
}

// vaultLine is the first line that says something of one of Vault's
// errors, which may be a list ("1 error occurred:\n\t* permission
// denied").
func vaultLine(msg string) string {
	lines := strings.Split(msg, "\n")
	for _, l := range lines {
		l = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(l), "* "))
		if l != "" && !strings.HasSuffix(l, "occurred:") {
			return l
		}
	}
	return strings.TrimSpace(lines[0])
}
