package format

import (
	"strings"

	"github.com/tokendesk/tokendesk/internal/shellquote"
	"github.com/tokendesk/tokendesk/model"
)

// CurlPowerShell is Curl for PowerShell on Windows: curl.exe by its full
// name (in Windows PowerShell 5.1, plain curl is Invoke-WebRequest), each
// argument a verbatim string.
func CurlPowerShell(p model.Profile, c Credential, path string) (string, error) {
	u, v, shell, err := c.request(p, path)
	if err != nil {
		return "", err
	}
	args := []string{"curl.exe"}
	if shell {
		args = append(args, "-u", `"${env:CLIENT_ID}:${env:CLIENT_SECRET}"`)
	} else {
		args = append(args, "-H", shellquote.PowerShellString("Authorization: "+v))
	}
	for _, h := range p.Headers {
		args = append(args, "-H", shellquote.PowerShellString(h.Line()))
	}
	return strings.Join(append(args, shellquote.PowerShellString(u)), " "), nil
}
