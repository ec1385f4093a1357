package integration

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/tokendesk/tokendesk/internal/testapi"
)

// A profile whose API calls use Basic auth (Medplum's On-Behalf-Of),
// through the built binary: the printed curl names $CLIENT_ID and
// $CLIENT_SECRET, `env --include-secret` fills them in, and the API that
// takes On-Behalf-Of only with Basic accepts the call; test and proxy
// send Basic too.
func TestBasicAPIAuthCLI(t *testing.T) {
	need(t)
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl here")
	}
	api := testapi.New("obo-client", "it-secret-obo-9Kx4")
	defer api.Close()
	cfg := t.TempDir()
	ok(t, cfg, api.Secret+"\n", "add", "obo", "--token-url", api.TokenURL(), "--client-id", api.ClientID,
		"--base-url", api.BaseURL(), "--api-auth", "basic", "--header", testapi.OnBehalfOf+": ProjectMembership/42")

	line := strings.TrimSpace(ok(t, cfg, "", "curl", "obo", "auth/me"))
	if !strings.Contains(line, `-u "$CLIENT_ID:$CLIENT_SECRET"`) || strings.Contains(line, api.Secret) {
		t.Errorf("curl printed %s; want -u \"$CLIENT_ID:$CLIENT_SECRET\" and no secret", line)
	}
	if api.Fetches() != 0 {
		t.Errorf("printing the curl fetched %d tokens; want none", api.Fetches())
	}
	exports := ok(t, cfg, "", "env", "obo")
	if !strings.Contains(exports, "export CLIENT_ID=obo-client\n") || strings.Contains(exports, "CLIENT_SECRET") {
		t.Errorf("env printed:\n%s\nwant CLIENT_ID and no CLIENT_SECRET", exports)
	}
	exports = ok(t, cfg, "", "env", "obo", "--include-secret")
	sh := exec.Command("sh", "-c", `eval "$EXPORTS" && `+line+` --fail --silent --show-error`)
	sh.Env = append(os.Environ(), "EXPORTS="+exports)
	out, err := sh.Output()
	if err != nil {
		t.Fatalf("the printed curl with env --include-secret: %v", err)
	}
	checkBasicEcho(t, "curl", out)

	fetches := api.Fetches()
	if r := cli(t, cfg, "", "test", "obo", "auth/me"); r.code != 0 || !strings.Contains(r.stdout, "200 OK") {
		t.Errorf("test: exit %d, %s%s; want 200", r.code, r.stdout, r.stderr)
	}
	if n := api.Fetches() - fetches; n != 0 {
		t.Errorf("test fetched %d tokens; want none: Basic needs none", n)
	}
	run, stop := startProxy(t, cfg, "obo")
	resp, err := http.Get(run.base + "auth/me")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	checkBasicEcho(t, "proxy", body)
	stop()

	// Back to bearer: the curl carries a token, which On-Behalf-Of refuses.
	ok(t, cfg, "", "edit", "obo", "--api-auth", "bearer")
	if line := ok(t, cfg, "", "curl", "obo", "auth/me"); !strings.Contains(line, "Authorization: Bearer ") {
		t.Errorf("curl after --api-auth bearer: %s; want a bearer token", line)
	}
	for _, args := range [][]string{{"edit", "obo", "--api-auth", "digest"}, {"env", "obo", "--include-secret"}} {
		if r := cli(t, cfg, "", args...); r.code != 2 || strings.Contains(r.stdout, api.Secret) {
			t.Errorf("tokendesk %s: exit %d, %s; want 2 and no secret", strings.Join(args, " "), r.code, r.stderr)
		}
	}
}

func checkBasicEcho(t *testing.T, what string, body []byte) {
	t.Helper()
	var e testapi.Echo
	if err := json.Unmarshal(body, &e); err != nil {
		t.Fatalf("%s: %s: %v", what, body, err)
	}
	if e.Auth != "basic" || e.OnBehalfOf != "ProjectMembership/42" {
		t.Errorf("%s: auth %q on behalf of %q; want basic, ProjectMembership/42", what, e.Auth, e.OnBehalfOf)
	}
}
