package ui

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"github.com/tokendesk/tokendesk/core"
	"github.com/tokendesk/tokendesk/internal/testapi"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/proxy"
	"github.com/tokendesk/tokendesk/storage"
)

// apiProfile is a profile of api's client; the harness stores the secret
// "secret-"+name.
func apiProfile(api *testapi.API, id, name string) model.Profile {
	return model.Profile{ID: id, Name: name, Env: "local", TokenURL: api.TokenURL(), BaseURL: api.BaseURL(), ClientID: api.ClientID}
}

// serveShown turns Serve locally on for the shown profile and waits for
// its URL.
func (h *harness) serveShown() string {
	h.t.Helper()
	test.Tap(h.u.serve.check)
	h.until("the proxy's URL", func() bool { return strings.HasPrefix(h.u.serve.url.Text, "http://127.0.0.1:") })
	return h.u.serve.url.Text
}

func get(t *testing.T, u string, header ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest("GET", u, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET through the proxy: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// Two profiles served at once, each with its own URL and log (time,
// method, path, status, duration; no token); closing the window stops
// both.
func TestServeLocallyTwoProfiles(t *testing.T) {
	a, b := testapi.New("client-a", "secret-a"), testapi.New("client-b", "secret-b")
	t.Cleanup(a.Close)
	t.Cleanup(b.Close)
	h := newHarness(t, apiProfile(a, "pa", "a"), apiProfile(b, "pb", "b"))
	h.selectName("a")
	urlA := h.serveShown()
	h.selectName("b")
	if h.u.serve.check.Checked {
		t.Error("b shows Serve locally on; want off until turned on")
	}
	urlB := h.serveShown()
	// The URL holds the key: the pane shows it, the status line does not.
	if st := h.u.status.Text; strings.Contains(st, urlB) || strings.Contains(st, "127.0.0.1") {
		t.Errorf("status line %q; want no proxy URL in it", st)
	}
	if urlA == urlB {
		t.Fatalf("both profiles served at %s", urlA)
	}
	for _, c := range []struct {
		url  string
		api  *testapi.API
		path string
	}{{urlA, a, "fhir/R4/Patient"}, {urlB, b, "auth/me"}} {
		if code, body := get(t, c.url+c.path); code != 200 {
			t.Fatalf("%s: got %d %s; want 200", c.path, code, body)
		}
	}
	h.until("b's log line", func() bool { return strings.Contains(h.u.serve.log.Text, "GET /auth/me 200") })
	if strings.Contains(h.u.serve.log.Text, "tapi-") || strings.Contains(h.u.serve.log.Text, "Patient") {
		t.Errorf("b's log: %q; want only b's request, no token", h.u.serve.log.Text)
	}
	h.selectName("a")
	h.until("a's log line", func() bool { return strings.Contains(h.u.serve.log.Text, "GET /fhir/R4/Patient 200") })
	if !h.u.serve.check.Checked || h.u.serve.url.Text != urlA {
		t.Errorf("a: checked %v, URL %q; want on, %s", h.u.serve.check.Checked, h.u.serve.url.Text, urlA)
	}

	h.win.Close()
	for _, u := range []string{urlA, urlB} {
		_, err := http.Get(u + "x")
		if !errors.Is(err, syscall.ECONNREFUSED) {
			t.Errorf("after the window closed, %s: got %v; want connection refused", u, err)
		}
	}
}

// A request for a profile whose token cannot be had gets a 502 that says
// why in one line, and the window says so too.
func TestServeWrongSecret502(t *testing.T) {
	api := testapi.New("client-w", "the-right-secret")
	t.Cleanup(api.Close)
	h := newHarness(t, apiProfile(api, "pw", "w")) // stores "secret-w"
	h.selectName("w")
	u := h.serveShown()
	code, body := get(t, u+"auth/me")
	if code != http.StatusBadGateway || strings.Count(strings.TrimSpace(body), "\n") != 0 || !strings.Contains(body, "Invalid secret") {
		t.Errorf("got %d %q; want 502 with the cause in one line", code, body)
	}
	h.until("the 502 in the pane", func() bool { return strings.Contains(h.u.serve.problem.Text, "Invalid secret") })
	if !h.u.serve.problem.Visible() || !strings.Contains(h.u.status.Text, "502") {
		t.Errorf("pane shows problem %v, status %q; want both to say 502", h.u.serve.problem.Visible(), h.u.status.Text)
	}
}

// An edit of a served profile restarts its proxy (headers and base URL
// are read at start) on the same URL.
func TestServeRestartsAfterEdit(t *testing.T) {
	api := testapi.New("client-e", "secret-e")
	t.Cleanup(api.Close)
	h := newHarness(t, apiProfile(api, "pe", "e"))
	h.selectName("e")
	u := h.serveShown()
	old := h.u.serve.on["pe"].proxy
	hs := []model.Header{{Name: "X-Tenant", Value: "t2"}}
	if _, err := h.u.desk.Edit(*h.u.current(), core.Change{Headers: &hs}); err != nil {
		t.Fatal(err)
	}
	h.u.Reload()
	h.until("the restarted proxy", func() bool {
		sv := h.u.serve.on["pe"]
		return sv != nil && sv.proxy != nil && sv.proxy != old
	})
	if got := h.u.serve.url.Text; got != u {
		t.Errorf("URL after the restart: %s; want the same %s", got, u)
	}
	code, body := get(t, u+"x")
	var e testapi.Echo
	if err := json.Unmarshal([]byte(body), &e); code != 200 || err != nil || e.Header.Get("X-Tenant") != "t2" {
		t.Errorf("after the edit: %d %s; want 200 with X-Tenant: t2", code, body)
	}
}

// A served profile removed elsewhere (the CLI's rm) stops being served,
// and the status line says so rather than still "Serving …".
func TestServeStopsWhenRemovedElsewhere(t *testing.T) {
	api := testapi.New("client-r", "secret-r")
	t.Cleanup(api.Close)
	h := newHarness(t, apiProfile(api, "pr", "r"), prof("2", "other", "", "https://o.example.com/token"))
	h.selectName("r")
	h.serveShown()
	if err := h.store.Update(func(f *storage.File) error { return f.Remove("pr") }); err != nil {
		t.Fatal(err)
	}
	h.u.Reload()
	if h.u.serve.on["pr"] != nil {
		t.Error("still serving a removed profile")
	}
	if got := h.u.status.Text; !strings.Contains(got, "no longer served") {
		t.Errorf("status %q; want it to say r is no longer served", got)
	}
}

// The log keeps the last maxLogLines requests.
func TestServeLogBounded(t *testing.T) {
	h := newHarness(t)
	sv := &served{p: model.Profile{ID: "x", Name: "x"}}
	for i := range maxLogLines + 50 {
		h.u.serve.add(sv, proxy.Entry{Method: "GET", Path: fmt.Sprintf("/n/%d", i), Status: 200})
	}
	if len(sv.lines) != maxLogLines || !strings.Contains(sv.lines[0], "/n/50 ") {
		t.Errorf("got %d lines from %q; want %d from /n/50", len(sv.lines), sv.lines[0], maxLogLines)
	}
}

// A served profile's pane is not redrawn by idle ticks either.
func TestIdleTickWhileServing(t *testing.T) {
	api := testapi.New("client-i", "secret-i")
	t.Cleanup(api.Close)
	h := newHarness(t, apiProfile(api, "pi", "i"))
	h.selectName("i")
	u := h.serveShown()
	if code, _ := get(t, u+"x"); code != 200 {
		t.Fatalf("got %d; want 200", code)
	}
	h.until("the log line", func() bool { return strings.Contains(h.u.serve.log.Text, "GET /x 200") })
	h.now = h.now.Add(time.Second)
	h.u.Tick() // settles whatever the fetch left
	if got := h.idleRedraws(3); got != 0 {
		t.Errorf("three idle ticks asked for %d redraws; want none", got)
	}
}

// A Basic profile's copied curl names $CLIENT_ID and $CLIENT_SECRET; the
// separate copy with the secret carries it and is cleared.
func TestCopyBasicCurl(t *testing.T) {
	p := prof("pm", "medplum", "prod", "https://api.example.com/oauth2/token")
	p.APIAuth = model.APIBasic
	p.Headers = []model.Header{{Name: testapi.OnBehalfOf, Value: "ProjectMembership/42"}}
	h := newHarness(t, p)
	h.selectName("medplum")
	cb := h.app.Clipboard()
	h.copyFromMenu("Copy curl")
	h.until("the curl copy", func() bool { return cb.Content() != "" })
	want := `curl -u "$CLIENT_ID:$CLIENT_SECRET" -H 'X-Medplum-On-Behalf-Of: ProjectMembership/42' https://api.example.com/fhir/R4/Patient`
	if got := cb.Content(); got != want {
		t.Errorf("copy curl: got %s; want %s", got, want)
	}
	if len(h.timers) != 0 {
		t.Errorf("a copy without a secret is to be cleared (%d timers); want it kept", len(h.timers))
	}
	h.copyFromMenu("Copy " + copyCurlSecret.menuLabel())
	h.until("the copy with the secret", func() bool { return strings.Contains(cb.Content(), "Basic ") })
	if len(h.timers) != 1 {
		t.Fatalf("got %d clear timers; want 1", len(h.timers))
	}
	h.timers[0]()
	h.drain()
	if cb.Content() != "" {
		t.Errorf("clipboard not cleared: %q", cb.Content())
	}
	if got := h.u.detail.copyBtn.Text; got != "Copy curl" {
		t.Errorf("Copy button: %q; want it to repeat the copy without the secret", got)
	}
}

// The secret copy is offered for Basic profiles only.
func TestCopySecretOnlyForBasic(t *testing.T) {
	h := newHarness(t, prof("p1", "plain", "prod", "https://api.example.com/oauth2/token"))
	h.selectName("plain")
	if got := h.copyMenuLabels(); strings.Contains(got, "secret itself") {
		t.Errorf("copy menu of a bearer profile: %s; want no secret copy", got)
	}
}

// The form's API auth check saves as basic, and clearing it as bearer.
func TestFormBasicAPI(t *testing.T) {
	h := newHarness(t, prof("1", "m", "prod", "https://a.example.com/token"))
	for _, on := range []bool{true, false} {
		h.selectName("m")
		h.u.onEdit()
		if h.u.form.basicAPI.Checked == on {
			t.Fatalf("the form shows Basic %v before the edit; want %v", on, !on)
		}
		test.Tap(h.u.form.basicAPI)
		test.Tap(h.u.form.save)
		h.until("the save", func() bool { return h.u.form == nil })
		file, _ := h.store.Load()
		if p, err := file.ByID("1"); err != nil || p.BasicAPI() != on {
			t.Errorf("after checking %v: %+v %v; want BasicAPI %v", on, p.APIAuth, err, on)
		}
	}
}

// Test of a Basic profile calls the API with the client ID and secret and
// asks for no token.
func TestTestBasicNoToken(t *testing.T) {
	api := testapi.New("client-t", "secret-t")
	t.Cleanup(api.Close)
	p := apiProfile(api, "pt", "t")
	p.APIAuth, p.ProbePath = model.APIBasic, "auth/me"
	p.Headers = []model.Header{{Name: testapi.OnBehalfOf, Value: "ProjectMembership/42"}}
	h := newHarness(t, p)
	h.selectName("t")
	h.u.onTest()
	h.until("the test result", func() bool { return h.u.detail.testResult.Visible() })
	// 200 with On-Behalf-Of: the test API takes that only with Basic.
	if got := h.u.detail.testResult.Text; !strings.Contains(got, "200 OK") {
		t.Errorf("test result %q; want 200", got)
	}
	if n := api.Fetches(); n != 0 {
		t.Errorf("token fetches: got %d; want 0", n)
	}
}
