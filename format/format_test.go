package format

import (
	"encoding/json"
	"errors"
	"flag"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/internal/testapi"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/session"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

func TestClaims(t *testing.T) {
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.MapClaims{
		"sub": "ClientApplication/456", "client_id": "456", "scope": "openid", "iss": "https://api.medplum.com/",
		"aud": []string{"a", "b"}, "exp": 2000000000, "iat": 1999996400, "login_id": "abc",
	})
	s, err := tok.SignedString([]byte("key-for-test"))
	if err != nil {
		t.Fatal(err)
	}
	claims, header, ok := Claims(s)
	if !ok || header["alg"] != "HS256" {
		t.Fatalf("ok=%v header=%v", ok, header)
	}
	names := make([]string, len(claims))
	for i, c := range claims {
		names[i] = c.Name
	}
	if got := strings.Join(names, ","); got != "sub,client_id,scope,iss,aud,iat,exp,login_id" {
		t.Errorf("claim order %s", got)
	}
	if claims[4].Value != "a, b" {
		t.Errorf("aud shown as %q", claims[4].Value)
	}
	if want := time.Unix(2000000000, 0).Local().Format("2006-01-02 15:04:05 MST"); claims[6].Value != want {
		t.Errorf("exp shown as %q; want %q", claims[6].Value, want)
	}
	if _, _, ok := Claims("ory_at_abcdef.ghijk"); ok {
		t.Error("an opaque token decoded as a JWT")
	}
}

func TestCopyFormatsGolden(t *testing.T) {
	tok := &model.Token{AccessToken: "eyJ.abc'def", TokenType: "bearer"}
	base := model.Profile{Name: "prod", BaseURL: "https://api.medplum.com/", TokenURL: "https://api.medplum.com/oauth2/token", ClientID: "client's id", Scopes: []string{"openid", "system/*.read"}}
	body := base
	body.AuthStyle = model.AuthBody
	body.Params = url.Values{"audience": {"https://api.example.com"}, "resource": {"urn:a", "urn:b"}}
	curl, err := Curl(base, Credential{Token: tok}, "fhir/R4/Patient?name=O'Brien&_count=10")
	if err != nil {
		t.Fatal(err)
	}
	withHeaders := base
	withHeaders.Headers = []model.Header{{Name: "X-Medplum-On-Behalf-Of", Value: "ProjectMembership/1 2"}, {Name: "X-Medplum", Value: "extended"}}
	curlH, err := Curl(withHeaders, Credential{Token: tok}, "auth/me")
	if err != nil {
		t.Fatal(err)
	}
	httpieH, err := HTTPie(withHeaders, Credential{Token: tok}, "auth/me")
	if err != nil {
		t.Fatal(err)
	}
	mtls := base
	mtls.AuthStyle = model.AuthTLS
	mtls.Headers = []model.Header{{Name: "X-Tenant", Value: "a'b", TokenRequest: true}, {Name: "X-Api-Only", Value: "1"}}
	csjwt := base
	csjwt.AuthStyle = model.AuthClientSecretJWT
	signIn := base
	signIn.Grant, signIn.AuthStyle = model.GrantAuthorizationCode, model.AuthNone
	exchange := body
	exchange.Grant = model.GrantTokenExchange
	got := strings.Join([]string{
		Header(tok),
		curl,
		TokenRequestCurl(base),
		TokenRequestCurl(body),
		curlH,
		httpieH,
		TokenRequestCurl(mtls),
		TokenRequestCurl(csjwt),
		TokenRequestCurl(signIn),
		TokenRequestCurl(exchange),
	}, "\n") + "\n"
	golden := filepath.Join("testdata", "copy.golden")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("got:\n%s\nwant:\n%s\n(run go test ./auth -update after checking)", got, want)
	}
}

func TestBasicCommands(t *testing.T) {
	p := model.Profile{Name: "m", ClientID: "svc", BaseURL: "https://api.example/fhir/R4/", APIAuth: model.APIBasic,
		Headers: []model.Header{{Name: testapi.OnBehalfOf, Value: "ProjectMembership/42"}}}
	tok := &model.Token{AccessToken: "tok", TokenType: "bearer"}
	type render func(model.Profile, Credential, string) (string, error)
	tests := []struct {
		name   string
		render render
		secret string
		want   string
	}{
		{"curl", Curl, "", `curl -u "$CLIENT_ID:$CLIENT_SECRET" -H 'X-Medplum-On-Behalf-Of: ProjectMembership/42' https://api.example/fhir/R4/Patient`},
		{"curl with the secret", Curl, "s3cret", `curl -H 'Authorization: Basic c3ZjOnMzY3JldA==' -H 'X-Medplum-On-Behalf-Of: ProjectMembership/42' https://api.example/fhir/R4/Patient`},
		{"httpie", HTTPie, "", `http -a "$CLIENT_ID:$CLIENT_SECRET" GET https://api.example/fhir/R4/Patient X-Medplum-On-Behalf-Of:ProjectMembership/42`},
		{"httpie with the secret", HTTPie, "s3cret", `http GET https://api.example/fhir/R4/Patient 'Authorization:Basic c3ZjOnMzY3JldA==' X-Medplum-On-Behalf-Of:ProjectMembership/42`},
		{"powershell", CurlPowerShell, "", `curl.exe -u "${env:CLIENT_ID}:${env:CLIENT_SECRET}" -H 'X-Medplum-On-Behalf-Of: ProjectMembership/42' 'https://api.example/fhir/R4/Patient'`},
		{"powershell with the secret", CurlPowerShell, "s3cret", `curl.exe -H 'Authorization: Basic c3ZjOnMzY3JldA==' -H 'X-Medplum-On-Behalf-Of: ProjectMembership/42' 'https://api.example/fhir/R4/Patient'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.render(p, Credential{Token: tok, Secret: tt.secret}, "Patient")
			if err != nil || got != tt.want {
				t.Errorf("got %s, %v\nwant %s", got, err, tt.want)
			}
		})
	}
}

// TestBasicCurlOnBehalfOf runs the copied curl commands, the shared one
// with $CLIENT_ID and $CLIENT_SECRET in its environment, against an API
// that takes On-Behalf-Of only with Basic.
func TestBasicCurlOnBehalfOf(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skip("no curl here")
	}
	api := testapi.New("svc", "s3cret")
	t.Cleanup(api.Close)
	p := model.Profile{Name: "m", ClientID: "svc", BaseURL: api.BaseURL(), APIAuth: model.APIBasic,
		Headers: []model.Header{{Name: testapi.OnBehalfOf, Value: "ProjectMembership/42"}}}
	for _, secret := range []string{"", "s3cret"} {
		line, err := Curl(p, Credential{Secret: secret}, "Patient")
		if err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("sh", "-c", line+" --fail --silent --show-error")
		cmd.Env = append(os.Environ(), "CLIENT_ID=svc", "CLIENT_SECRET=s3cret")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("secret %v: the API refused the command: %v", secret != "", err)
		}
		var e testapi.Echo
		if err := json.Unmarshal(out, &e); err != nil {
			t.Fatal(err)
		}
		if e.Auth != "basic" || e.OnBehalfOf != "ProjectMembership/42" {
			t.Errorf("secret %v: got auth %q, on behalf of %q; want basic, ProjectMembership/42", secret != "", e.Auth, e.OnBehalfOf)
		}
	}
}

func TestLeft(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "0:00", 45 * time.Second: "0:45", 42*time.Minute + 17*time.Second: "42:17", 2*time.Hour + 5*time.Second: "2:00:05", -time.Second: "0:00"} {
		if got := Left(d); got != want {
			t.Errorf("Left(%v) = %q; want %q", d, got, want)
		}
	}
}

// A base URL of plain http:// to a remote host is refused for the copied
// commands, unless the profile allows it.
func TestBaseURLClearTextRefused(t *testing.T) {
	tok := &model.Token{AccessToken: "tok", TokenType: "Bearer"}
	tests := []struct {
		base, path string
		allow      bool
		refused    bool
	}{
		{"http://api.example.com/fhir", "Patient", false, true},
		{"https://api.example.com/fhir", "http://api.example.com/x", false, true},
		{"http://api.example.com/fhir", "Patient", true, false},
		{"http://api.localhost:8103/fhir", "Patient", false, false},
		{"https://api.example.com/fhir", "Patient", false, false},
	}
	for _, tt := range tests {
		p := model.Profile{Name: "b", TokenURL: "https://auth.example.com/token", BaseURL: tt.base, ClientID: "c", AllowInsecure: tt.allow}
		_, curlErr := Curl(p, Credential{Token: tok}, tt.path)
		_, httpieErr := HTTPie(p, Credential{Token: tok}, tt.path)
		_, psErr := CurlPowerShell(p, Credential{Token: tok}, tt.path)
		for name, err := range map[string]error{"Curl": curlErr, "HTTPie": httpieErr, "CurlPowerShell": psErr} {
			if got := errors.Is(err, model.ErrInsecureBaseURL); got != tt.refused {
				t.Errorf("%s(%s, %s, allow=%v): %v; want refused=%v", name, tt.base, tt.path, tt.allow, err, tt.refused)
			}
		}
	}
}

// A server's extra field is shown with its control characters written out,
// never sent to the terminal as they are.
func TestExtraTextEscaped(t *testing.T) {
	tests := []struct {
		raw, want string
	}{
		{`"p\u001b]0;x\u0007"`, `p\x1b]0;x\a`},
		{`{"reference":"Project/1\u001b[2J"}`, `Project/1\x1b[2J`},
		{`{"a":1}`, `{"a":1}`},
	}
	for _, tt := range tests {
		if got := ExtraText(json.RawMessage(tt.raw)); got != tt.want {
			t.Errorf("ExtraText(%s) = %q; want %q", tt.raw, got, tt.want)
		}
	}
}

func TestStatus(t *testing.T) {
	now := time.Now()
	tok := &model.Token{AccessToken: "t", IssuedAt: now, Expiry: now.Add(time.Hour)}
	tests := []struct {
		st   session.Status
		want string
	}{
		{session.Status{State: session.StateNone}, "no token"},
		{session.Status{State: session.StateFetching, Token: tok}, "fetching…"},
		{session.Status{State: session.StateFailed}, "error"},
		{session.Status{State: session.StateSignIn}, "sign-in needed"},
		{session.Status{State: session.StateExpired, Token: tok}, "expired"},
		{session.Status{State: session.StateExpiring, Token: tok, Left: 45 * time.Second}, "expires in 0:45"},
		{session.Status{State: session.StateValid, Token: tok, Left: 10 * time.Minute}, "valid 10:00"},
		{session.Status{State: session.StateValid, Token: tok, Left: 2*time.Hour + 3*time.Minute + 4*time.Second}, "valid 2:03:04"},
		{session.Status{State: session.StateValid, Token: &model.Token{AccessToken: "t"}}, "expiry unknown"},
	}
	for _, tt := range tests {
		if got := Status(tt.st); got != tt.want {
			t.Errorf("Status(%v, %v left) = %q; want %q", tt.st.State, tt.st.Left, got, tt.want)
		}
	}
}

// An introspection's fields come in the order people look for them, then
// by name, as escaped text.
func TestIntrospectionFields(t *testing.T) {
	var claims map[string]any
	raw := `{"zeta":"z","ext":{"tenant":"a"},"token_type":"Bearer","iat":1899996400,"exp":1900000000,"sub":"me\u001b[2J","client_id":"c","scope":"read write","active":true,"aud":["x","y"]}`
	if err := json.Unmarshal([]byte(raw), &claims); err != nil {
		t.Fatal(err)
	}
	got := IntrospectionFields(&auth.Introspection{Claims: claims})
	var names []string
	for _, c := range got {
		names = append(names, c.Name)
	}
	if want := "active scope client_id sub exp iat token_type aud ext zeta"; strings.Join(names, " ") != want {
		t.Errorf("order %q; want %q", strings.Join(names, " "), want)
	}
	values := map[string]string{}
	for _, c := range got {
		values[c.Name] = c.Value
	}
	for name, want := range map[string]string{"active": "true", "scope": "read write", "sub": `me\x1b[2J`, "aud": "x, y", "ext": `{"tenant":"a"}`,
		"exp": time.Unix(1900000000, 0).Local().Format("2006-01-02 15:04:05 MST")} {
		if values[name] != want {
			t.Errorf("%s = %q; want %q", name, values[name], want)
		}
	}
}

func TestProbe(t *testing.T) {
	tests := []struct {
		r    auth.ProbeResult
		want string
	}{
		{auth.ProbeResult{URL: "https://api.example/auth/me", Status: "200 OK", Code: 200, Took: 12 * time.Millisecond, Snippet: `{"ok":true}`},
			`https://api.example/auth/me → 200 OK in 12 ms: {"ok":true}`},
		{auth.ProbeResult{URL: "https://api.example/x", Status: "204 No Content", Code: 204, Took: 3 * time.Millisecond},
			"https://api.example/x → 204 No Content in 3 ms"},
	}
	for _, tt := range tests {
		if got := Probe(tt.r); got != tt.want {
			t.Errorf("Probe = %q; want %q", got, tt.want)
		}
	}
}
