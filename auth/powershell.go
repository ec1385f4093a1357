package auth

import (
	"strings"

	"github.com/tokendesk/tokendesk/model"
)

// PowerShellQuote quotes s as a PowerShell verbatim (single-quoted) string,
// in which nothing expands: only the quote characters are doubled —
// PowerShell takes the typographic single quotes ‘ ’ ‚ ‛ as quotes too.
// No maintained Go library quotes for PowerShell; the rule is this one
// (about_Quoting_Rules).
func PowerShellQuote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'', '\u2018', '\u2019', '\u201a', '\u201b':
			b.WriteRune(r)
		}
		b.WriteRune(r)
	}
	b.WriteByte('\'')
	return b.String()
}

// CurlPowerShell is Curl for PowerShell on Windows: curl.exe by its full
// name (in Windows PowerShell 5.1, plain curl is Invoke-WebRequest), each
// argument a verbatim string.
func CurlPowerShell(p model.Profile, c Credential, path string) (string, error) {
	u, err := RequestURL(p, path)
	if err != nil {
		return "", err
	}
	if err := resolved(p); err != nil {
		return "", err
	}
	v, shell, err := c.authorization(p)
	if err != nil {
		return "", err
	}
	args := []string{"curl.exe"}
	if shell {
		args = append(args, "-u", `"${env:CLIENT_ID}:${env:CLIENT_SECRET}"`)
	} else {
		args = append(args, "-H", PowerShellQuote("Authorization: "+v))
	}
	for _, h := range p.Headers {
		args = append(args, "-H", PowerShellQuote(h.Line()))
	}
	return strings.Join(append(args, PowerShellQuote(u)), " "), nil
}
