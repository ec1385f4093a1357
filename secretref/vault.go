package secretref

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/tokendesk/tokendesk/internal/loopback"
	"github.com/tokendesk/tokendesk/internal/safetext"
)

// Vault is read over its HTTP API with net/http: the two reads a KV
// secret takes do not need the Vault API client, whose packages'
// initialisation cost every process that linked them, the CLI's every
// command included, about a millisecond.

// vaultConn is where and as whom to read from Vault, as the person's vault
// CLI has it: VAULT_ADDR (or VAULT_AGENT_ADDR) and the rest of the VAULT_
// environment, and VAULT_TOKEN or else the token helper (~/.vault-token,
// or the token_helper in ~/.vault).
type vaultConn struct {
	base      *url.URL
	token     string
	namespace string
	client    *http.Client
}

// vaultDefaultAddr is Vault's own default address.
const vaultDefaultAddr = "https://127.0.0.1:8200"

// vaultMaxBody caps a Vault answer read into memory.
const vaultMaxBody = 1 << 20

func vaultClient(ctx context.Context) (*vaultConn, error) {
	addr := vaultDefaultAddr
	if a := os.Getenv("VAULT_ADDR"); a != "" {
		addr = a
	}
	if a := os.Getenv("VAULT_AGENT_ADDR"); a != "" {
		addr = a
	}
	tr := &http.Transport{Proxy: http.ProxyFromEnvironment, TLSClientConfig: &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout: 10 * time.Second, MaxIdleConnsPerHost: 2}
	base, err := url.Parse(addr)
	if err != nil {
		return nil, fmt.Errorf("vault configuration: VAULT_ADDR: %w", err)
	}
	if base.Scheme != "unix" && !loopback.Secure(base.String()) {
		// The token would cross the network in clear text.
		return nil, fmt.Errorf("vault configuration: %w: VAULT_ADDR %s is plain http:// to a host other than this machine; use https", ErrInsecure, safetext.Escape(base.Redacted()))
	}
	if base.Scheme == "unix" {
		// A Vault agent or proxy on a Unix socket, as the vault CLI allows.
		sock := base.Path
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return (&net.Dialer{}).DialContext(ctx, "unix", sock)
		}
		base = &url.URL{Scheme: "http", Host: "localhost"}
	}
	if err := vaultTLS(tr.TLSClientConfig); err != nil {
		return nil, fmt.Errorf("vault configuration: %w", err)
	}
	for _, name := range []string{"VAULT_HTTP_PROXY", "VAULT_PROXY_ADDR"} {
		if p := os.Getenv(name); p != "" {
			u, err := url.Parse(p)
			if err != nil {
				return nil, fmt.Errorf("vault configuration: %s: %w", name, err)
			}
			tr.Proxy = http.ProxyURL(u)
		}
	}
	timeout := 60 * time.Second
	if t := os.Getenv("VAULT_CLIENT_TIMEOUT"); t != "" {
		if timeout, err = durationSeconds(t); err != nil {
			return nil, fmt.Errorf("vault configuration: VAULT_CLIENT_TIMEOUT: %w", err)
		}
	}
	follow := true
	if v := os.Getenv("VAULT_DISABLE_REDIRECTS"); v != "" {
		d, err := strconv.ParseBool(v)
		if err != nil {
			return nil, fmt.Errorf("vault configuration: VAULT_DISABLE_REDIRECTS: %w", err)
		}
		follow = !d
	}
	c := &vaultConn{base: base, namespace: os.Getenv("VAULT_NAMESPACE"), client: &http.Client{
		Transport: tr,
		Timeout:   timeout,
		// An HA standby's 307 to the active node is followed, as by the
		// vault CLI, and only over https (or to this machine): the token
		// goes with it. Nothing else is followed.
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if !follow || req.Response.StatusCode != http.StatusTemporaryRedirect || len(via) >= 5 {
				return http.ErrUseLastResponse
			}
			if !loopback.Secure(req.URL.String()) {
				return fmt.Errorf("%w: Vault redirected to %s, plain http:// to a host other than this machine", ErrInsecure, safetext.Escape(req.URL.Redacted()))
			}
			return nil
		},
	}}
	c.token = os.Getenv("VAULT_TOKEN")
	if c.token == "" {
		tok, err := vaultHelperToken(ctx)
		if err != nil {
			return nil, fmt.Errorf("vault token helper: %w", err)
		}
		if tok == "" {
			return nil, errors.New("no Vault token: sign in with 'vault login' or set VAULT_TOKEN")
		}
		c.token = tok
	}
	return c, nil
}

// vaultTLS applies the VAULT_ TLS settings to cfg.
func vaultTLS(cfg *tls.Config) error {
	cfg.ServerName = os.Getenv("VAULT_TLS_SERVER_NAME")
	if v := os.Getenv("VAULT_SKIP_VERIFY"); v != "" {
		skip, err := strconv.ParseBool(v)
		if err != nil {
			return fmt.Errorf("VAULT_SKIP_VERIFY: %w", err)
		}
		cfg.InsecureSkipVerify = skip
	}
	var pems [][]byte
	if f := os.Getenv("VAULT_CACERT"); f != "" {
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("VAULT_CACERT: %w", err)
		}
		pems = append(pems, b)
	}
	if b := os.Getenv("VAULT_CACERT_BYTES"); b != "" {
		pems = append(pems, []byte(b))
	}
	if dir := os.Getenv("VAULT_CAPATH"); dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil {
			return fmt.Errorf("VAULT_CAPATH: %w", err)
		}
		for _, e := range entries {
			if e.Type().IsRegular() {
				if b, err := os.ReadFile(filepath.Join(dir, e.Name())); err == nil {
					pems = append(pems, b)
				}
			}
		}
	}
	if len(pems) > 0 {
		pool := x509.NewCertPool()
		for _, b := range pems {
			if !pool.AppendCertsFromPEM(b) {
				return errors.New("VAULT_CACERT, VAULT_CACERT_BYTES or VAULT_CAPATH: no PEM certificate in it")
			}
		}
		cfg.RootCAs = pool
	}
	cert, key := os.Getenv("VAULT_CLIENT_CERT"), os.Getenv("VAULT_CLIENT_KEY")
	if cert != "" || key != "" {
		pair, err := tls.LoadX509KeyPair(cert, key)
		if err != nil {
			return fmt.Errorf("VAULT_CLIENT_CERT and VAULT_CLIENT_KEY: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	return nil
}

// durationSeconds reads a duration as Vault does: plain seconds, or Go's
// syntax ("90s", "2m").
func durationSeconds(s string) (time.Duration, error) {
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Duration(n) * time.Second, nil
	}
	return time.ParseDuration(s)
}

// vaultHelperToken is the token `vault login` left: from the configured
// token helper program, else ~/.vault-token; "" when there is none.
func vaultHelperToken(ctx context.Context) (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	cfg := os.Getenv("VAULT_CONFIG_PATH")
	if cfg == "" {
		cfg = filepath.Join(home, ".vault")
	}
	b, err := os.ReadFile(cfg)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	// token_helper, in HCL or its JSON form, is the one setting of the
	// file that a read needs.
	tokenHelper := regexp.MustCompile(`(?m)(?:^|[{,])\s*"?token_helper"?\s*[=:]\s*("(?:[^"\\]|\\.)*")`)
	if m := tokenHelper.FindSubmatch(b); m != nil {
		helper, err := strconv.Unquote(string(m[1]))
		if err != nil {
			return "", fmt.Errorf("token_helper in %s: %w", cfg, err)
		}
		if !filepath.IsAbs(helper) {
			// The vault CLI would look it up on PATH or in the working
			// directory: a cloned repository's ./helper, perhaps. Not here.
			return "", fmt.Errorf("token_helper in %s is %q: give its absolute path", cfg, helper)
		}
		cmd := exec.CommandContext(ctx, helper, "get")
		cmd.WaitDelay = time.Second
		out, err := cmd.Output()
		if err != nil {
			return "", &toolError{line: firstLine(exitText(err), ""), cause: err}
		}
		return strings.TrimSpace(string(out)), nil
	}
	tok, err := os.ReadFile(filepath.Join(home, ".vault-token"))
	if errors.Is(err, os.ErrNotExist) {
		return "", nil
	}
	return strings.TrimSpace(string(tok)), err
}

// exitText is a failed program's standard error, or how it failed.
func exitText(err error) string {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return string(ee.Stderr)
	}
	return err.Error()
}

// vaultSecret is the part of Vault's answer to a read that is used.
type vaultSecret struct {
	Data     map[string]any `json:"data"`
	Warnings []string       `json:"warnings"`
}

// vaultStatusError is Vault's answer to a request it refused: the status
// and its own errors.
type vaultStatusError struct {
	status int
	errs   []string
}

func (e *vaultStatusError) Error() string {
	return fmt.Sprintf("vault answered %d: %s", e.status, strings.Join(e.errs, "; "))
}

// read reads path (under /v1/) as the vault CLI's `vault read` does: a
// secret, or nil for none there.
func (c *vaultConn) read(ctx context.Context, path string) (*vaultSecret, error) {
	u := c.base.JoinPath("/v1/", path)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("X-Vault-Token", c.token)
	req.Header.Set("X-Vault-Request", "true")
	if c.namespace != "" {
		req.Header.Set("X-Vault-Namespace", c.namespace)
	}
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, vaultMaxBody))
	if err != nil {
		return nil, err
	}
	var s vaultSecret
	switch {
	case resp.StatusCode == http.StatusNotFound:
		// Vault answers a missing secret with 404 and, at most, warnings.
		if json.Unmarshal(body, &s) == nil && (len(s.Data) > 0 || len(s.Warnings) > 0) {
			return &s, nil
		}
		return nil, nil
	case resp.StatusCode < 200 || resp.StatusCode >= 300:
		var e struct {
			Errors []string `json:"errors"`
		}
		_ = json.Unmarshal(body, &e)
		return nil, &vaultStatusError{status: resp.StatusCode, errs: e.Errors}
	case len(body) == 0:
		return nil, nil
	}
	if err := json.Unmarshal(body, &s); err != nil {
		return nil, fmt.Errorf("vault answered with no JSON: %w", err)
	}
	return &s, nil
}

// vault reads r from a KV secrets engine, version 1 or 2, asking the
// server (as `vault kv get` does) where the mount ends and which version
// it is.
func (rv *Resolver) vault(ctx context.Context, r Ref) (string, error) {
	c, err := vaultClient(ctx)
	if err != nil {
		return "", err
	}
	defer c.client.CloseIdleConnections() // a transport per read: none left open
	mount, version, err := kvMount(ctx, c, r.Path)
	if err != nil {
		return "", err
	}
	rest := strings.TrimPrefix(r.Path, mount)
	read := mount + rest
	if version == 2 {
		read = mount + "data/" + rest
	}
	s, err := c.read(ctx, read)
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
func kvMount(ctx context.Context, c *vaultConn, p string) (string, int, error) {
	s, err := c.read(ctx, "sys/internal/ui/mounts/"+p)
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
	var se *vaultStatusError
	if errors.As(err, &se) {
		msg := "no detail"
		if len(se.errs) > 0 {
			msg = vaultLine(se.errs[0])
		}
		return &toolError{line: fmt.Sprintf("vault answered %d: %s", se.status, safetext.Escape(msg)), cause: err}
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
