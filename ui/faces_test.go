package ui

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/cli"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/storage"
)

// faceStep is one change a person makes, in either face.
type faceStep struct {
	profile string
	add     bool
	remove  bool
	// set names settings by their CLI flag: token-url, client-id, env,
	// scope, param (one per line), request-path, notes, timeout, name.
	set    [][2]string
	secret string
	// header is a plain header, secretHeader a secret one, as name, value.
	header, secretHeader [2]string
}

var faceSteps = []faceStep{
	{profile: "alpha", add: true, secret: "s1", set: [][2]string{
		{"token-url", "https://auth.example.com/oauth2/token"}, {"client-id", "cid-a"}, {"env", "dev"},
		{"scope", "openid profile"}, {"param", "audience=https://api.example.com"}, {"request-path", "fhir/R4/Patient"},
	}, header: [2]string{"X-Plain", "plain"}, secretHeader: [2]string{"X-Api-Key", "k1"}},
	{profile: "beta", add: true, secret: "s2", set: [][2]string{
		{"token-url", "https://other.example.com/token"}, {"client-id", "cid-b"}, {"notes", "a note"}, {"timeout", "10"},
	}},
	{profile: "alpha", set: [][2]string{{"env", "prod"}, {"scope", "openid"}, {"notes", "n"}}},
	{profile: "beta", secret: "s3"},
	{profile: "alpha", set: [][2]string{{"name", "gamma"}}},
	{profile: "gamma", secretHeader: [2]string{"X-Api-Key", "k2"}},
	{profile: "beta", remove: true},
}

// The same changes through the CLI and through the window's form leave the
// same profiles file (IDs aside) and the same keychain.
func TestFacesAgree(t *testing.T) {
	// The CLI.
	cliDir := t.TempDir()
	cliMem := &storage.MemoryStore{}
	env := cli.Env{Store: storage.Open(cliDir), Keys: storage.NewKeychain(cliMem), Client: auth.NewClient()}
	for i, s := range faceSteps {
		args, stdin := s.cliArgs()
		var out, errb bytes.Buffer
		env.Stdin, env.Stdout, env.Stderr = strings.NewReader(stdin), &out, &errb
		if code := cli.Run(args, env); code != 0 {
			t.Fatalf("step %d: tokendesk %v: exit %d: %s", i+1, args, code, errb.String())
		}
	}

	// The window.
	h := newHarness(t)
	for i, s := range faceSteps {
		h.apply(i+1, s)
	}

	cliFile, winFile := profilesWithoutIDs(t, env.Store), profilesWithoutIDs(t, h.store)
	if cliFile != winFile {
		t.Errorf("profiles files differ:\nCLI:\n%s\nwindow:\n%s", cliFile, winFile)
	}
	cliKeys, winKeys := keychainByName(t, env.Store, cliMem), keychainByName(t, h.store, h.mem)
	if cliKeys != winKeys {
		t.Errorf("keychains differ:\nCLI:    %s\nwindow: %s", cliKeys, winKeys)
	}
	if !strings.Contains(cliKeys, `"gamma/headers":"{\"X-Api-Key\":\"k2\"}"`) || strings.Contains(cliKeys, "beta") {
		t.Errorf("keychain after the steps: %s; want gamma's new header value and nothing of beta", cliKeys)
	}
}

func (s faceStep) cliArgs() (args []string, stdin string) {
	switch {
	case s.remove:
		return []string{"rm", s.profile}, ""
	case s.add:
		args = []string{"add", s.profile}
		stdin = s.secret + "\n"
	default:
		args = []string{"edit", s.profile}
		if s.secret != "" {
			args = append(args, "--secret-stdin")
			stdin = s.secret + "\n"
		}
	}
	for _, kv := range s.set {
		args = append(args, "--"+kv[0], kv[1])
	}
	if s.header[0] != "" {
		args = append(args, "--header", s.header[0]+": "+s.header[1])
	}
	if s.secretHeader[0] != "" {
		args = append(args, "--secret-header", s.secretHeader[0])
		stdin += s.secretHeader[1] + "\n"
	}
	return args, stdin
}

// apply makes the change in the window, as a person would.
func (h *harness) apply(n int, s faceStep) {
	h.t.Helper()
	if s.remove {
		h.selectName(s.profile)
		h.u.deleteProfile(*h.u.current())
		h.until("the delete", func() bool { return strings.HasPrefix(h.u.status.Text, "Deleted") })
		h.endUndo()
		return
	}
	if s.add {
		h.u.onAdd()
	} else {
		h.selectName(s.profile)
		h.u.onEdit()
	}
	f := h.u.form
	if s.add {
		f.name.SetText(s.profile)
	}
	for _, kv := range s.set {
		switch kv[0] {
		case "token-url":
			f.tokenURL.SetText(kv[1])
		case "client-id":
			f.clientID.SetText(kv[1])
		case "env":
			f.env.SetText(kv[1])
		case "scope":
			f.scopes.SetText(kv[1])
		case "param":
			f.params.SetText(kv[1])
		case "request-path":
			f.requestPath.SetText(kv[1])
		case "notes":
			f.notes.SetText(kv[1])
		case "timeout":
			f.timeout.SetText(kv[1])
		case "name":
			f.name.SetText(kv[1])
		default:
			h.t.Fatalf("step %d: no form field for --%s", n, kv[0])
		}
	}
	f.secret.SetText(s.secret)
	if s.header[0] != "" {
		r := f.headers.add(model.Header{})
		r.name.SetText(s.header[0])
		r.value.SetText(s.header[1])
	}
	if name := s.secretHeader[0]; name != "" {
		var row *headerRow
		for _, r := range f.headers.list {
			if r.name.Text == name {
				row = r
			}
		}
		if row == nil {
			row = f.headers.add(model.Header{})
			row.name.SetText(name)
			test.Tap(row.secret)
		}
		row.value.SetText(s.secretHeader[1])
	}
	test.Tap(f.save)
	h.until("the save", func() bool { return h.u.form == nil || f.says() != "" })
	if h.u.form != nil {
		h.t.Fatalf("step %d: the form says %q", n, f.says())
	}
}

// profilesWithoutIDs is the profiles file with every ID left out.
func profilesWithoutIDs(t *testing.T, s *storage.Store) string {
	t.Helper()
	data, err := os.ReadFile(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	var f map[string]any
	if err := json.Unmarshal(data, &f); err != nil {
		t.Fatal(err)
	}
	for _, p := range f["profiles"].([]any) {
		delete(p.(map[string]any), "id")
	}
	out, _ := json.MarshalIndent(f, "", "  ")
	return string(out)
}

// keychainByName is the keychain's contents with each profile ID replaced
// by the profile's name (an ID no profile has stays as it is).
func keychainByName(t *testing.T, s *storage.Store, mem *storage.MemoryStore) string {
	t.Helper()
	f, err := s.Load()
	if err != nil {
		t.Fatal(err)
	}
	users, _ := mem.List()
	out := map[string]string{}
	for _, u := range users {
		v, _ := mem.Get(u)
		id, kind, _ := strings.Cut(u, "/")
		if p, err := f.ByID(id); err == nil {
			id = p.Name
		}
		out[id+"/"+kind] = v
	}
	data, _ := json.Marshal(out)
	return string(data)
}

// The window open while the CLI edits: the form saves what the person
// changed, so the CLI's change to another field survives; a profile the
// CLI deleted meanwhile is not brought back.
func TestWindowSaveKeepsEditMadeMeanwhile(t *testing.T) {
	h := newHarness(t, prof("1", "a", "dev", "https://a.example.com/token"))
	env := cli.Env{Store: h.store, Keys: h.keys, Client: auth.NewClient(), Stdin: strings.NewReader(""), Stdout: &bytes.Buffer{}, Stderr: &bytes.Buffer{}}
	h.selectName("a")
	h.u.onEdit()
	f := h.u.form
	if code := cli.Run([]string{"edit", "a", "--notes", "from the CLI", "--request-path", "auth/me"}, env); code != 0 {
		t.Fatalf("edit: exit %d: %s", code, env.Stderr)
	}
	f.env.SetText("prod")
	test.Tap(f.save)
	h.until("the save", func() bool { return h.u.form == nil || f.says() != "" })
	file, _ := h.store.Load()
	p, err := file.ByID("1")
	if err != nil || p.Env != "prod" || p.Notes != "from the CLI" || p.RequestPath != "auth/me" {
		t.Errorf("after both saves: env %q, notes %q, request path %q (%v); want prod, from the CLI, auth/me", p.Env, p.Notes, p.RequestPath, err)
	}

	h.selectName("a")
	h.u.onEdit()
	f = h.u.form
	if code := cli.Run([]string{"rm", "a"}, env); code != 0 {
		t.Fatalf("rm: exit %d", code)
	}
	f.notes.SetText("edited in the window")
	test.Tap(f.save)
	h.until("the save", func() bool { return h.u.form == nil || f.says() != "" })
	if !strings.Contains(f.says(), "deleted meanwhile") {
		t.Errorf("the form says %q; want that the profile was deleted meanwhile", f.says())
	}
	if file, _ := h.store.Load(); len(file.Profiles) != 0 {
		t.Errorf("the deleted profile came back: %d profiles", len(file.Profiles))
	}
}
