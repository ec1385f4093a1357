package ui

import (
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/proxy"
	"github.com/tokendesk/tokendesk/session"
	"github.com/tokendesk/tokendesk/storage"
)

// Proxy is a running local token proxy (proxy.Server).
type Proxy interface {
	// URL is the base URL to paste into Postman, key included.
	URL() string
	Stop() error
}

// ServeFunc starts a local token proxy for p on port (zero: any free
// one) that calls log after each request, from any goroutine.
type ServeFunc func(p model.Profile, port int, log func(proxy.Entry)) (Proxy, error)

// maxLogLines is how many requests a served profile's log keeps.
const maxLogLines = 200

// serving is the window's local token proxies, one per profile at most,
// and the pane's section that shows the selected profile's. Its state
// changes on the UI thread only.
type serving struct {
	u     *UI
	start ServeFunc // nil: the window cannot serve (no keychain, no token manager)
	on    map[string]*served
	errs  map[string]string // why a profile's proxy could not start
	shown string            // the profile the section shows

	box     *fyne.Container
	check   *widget.Check
	url     *widget.Label
	urlRow  *fyne.Container
	copyBtn *widget.Button
	hint    *widget.Label
	problem *widget.Label
	log     *widget.Label
	logBox  *fyne.Container
}

// served is one profile's proxy: starting (proxy nil) or running.
type served struct {
	p     model.Profile
	proxy Proxy
	lines []string // the last maxLogLines requests, oldest first
	fail  string   // the last 502's cause, until a request gets through
}

// newServing builds the section; start is Options.Serve or, for the
// window's own keychain and token manager, proxy.Server.
func newServing(u *UI) *serving {
	s := &serving{u: u, start: u.opts.Serve, on: map[string]*served{}, errs: map[string]string{}}
	if s.start == nil {
		keys, ok1 := u.opts.Secrets.(*storage.Keychain)
		tokens, ok2 := u.opts.Sessions.(*session.Manager)
		if ok1 && ok2 {
			s.start = func(p model.Profile, port int, log func(proxy.Entry)) (Proxy, error) {
				srv := &proxy.Server{Profile: p, Keys: keys, Tokens: tokens, Port: port, Log: log}
				if err := srv.Start(); err != nil {
					return nil, err
				}
				return srv, nil
			}
		}
	}
	s.check = &widget.Check{Text: "Serve locally", OnChanged: s.onToggle}
	s.url = widget.NewLabel("")
	s.url.Selectable = true
	s.url.Truncation = fyne.TextTruncateEllipsis
	s.copyBtn = &widget.Button{Text: "Copy URL", Icon: theme.ContentCopyIcon(), OnTapped: s.onCopyURL}
	s.hint = widget.NewLabel("")
	s.hint.Wrapping = fyne.TextWrapWord
	s.problem = widget.NewLabel("")
	s.problem.Wrapping = fyne.TextWrapWord
	s.problem.Importance = widget.DangerImportance
	s.log = widget.NewLabel("")
	s.log.Wrapping = fyne.TextWrapWord // a long path or cause must not widen the window
	logScroll := container.NewVScroll(s.log)
	logScroll.SetMinSize(fyne.NewSize(0, 120))
	s.logBox = container.NewVBox(heading("Requests, newest first (time, method, path, status, duration)"), logScroll)
	s.urlRow = container.NewBorder(nil, nil, nil, s.copyBtn, s.url)
	s.box = container.NewVBox(s.check, s.urlRow, s.hint, s.problem, s.logBox)
	if s.start == nil {
		s.box.Hide()
	}
	for _, o := range []fyne.CanvasObject{s.urlRow, s.hint, s.problem, s.logBox} {
		o.Hide()
	}
	return s
}

// onToggle starts or stops the shown profile's proxy.
func (s *serving) onToggle(on bool) {
	p := s.u.current()
	if p == nil || s.start == nil || on == (s.on[p.ID] != nil) {
		return
	}
	if on {
		s.run(*p, 0, nil)
	} else {
		s.stop(p.ID)
		s.u.say("%s: no longer served locally", named(*p))
	}
	s.show(p)
}

// run starts p's proxy off the UI thread (the keychain is read), its log
// going on from lines.
func (s *serving) run(p model.Profile, port int, lines []string) {
	sv := &served{p: p, lines: lines}
	s.on[p.ID] = sv
	delete(s.errs, p.ID)
	log := func(e proxy.Entry) { s.u.opts.Do(func() { s.add(sv, e) }) }
	go func() {
		px, err := s.start(p, port, log)
		s.u.opts.Do(func() {
			if s.on[p.ID] != sv { // stopped or restarted meanwhile
				if px != nil {
					go px.Stop()
				}
				return
			}
			if err != nil {
				delete(s.on, p.ID)
				s.errs[p.ID] = "Could not serve locally: " + errorText(err)
				s.u.say("Serve %s locally: %s", named(p), errorText(err))
			} else {
				sv.proxy = px
				// The URL holds the key: it stays in the pane (and its Copy), not
				// in a status line that screenshots and screen shares catch.
				s.u.say("Serving %s locally: its URL is in the pane", named(p))
			}
			s.showIf(p.ID)
		})
	}()
}

// stop stops profile id's proxy, off the UI thread.
func (s *serving) stop(id string) {
	sv := s.on[id]
	delete(s.on, id)
	if sv != nil && sv.proxy != nil {
		go sv.proxy.Stop()
	}
}

// add logs a request of sv's proxy; a 502 (no token to be had) is said.
func (s *serving) add(sv *served, e proxy.Entry) {
	sv.lines = append(sv.lines, e.String())
	if n := len(sv.lines) - maxLogLines; n > 0 {
		sv.lines = append(sv.lines[:0], sv.lines[n:]...)
	}
	switch {
	case e.Status == 502 && e.Err != "":
		if sv.fail == "" {
			s.u.say("%s: the local proxy answered 502: %s", named(sv.p), e.Err)
		}
		sv.fail = e.Err
	case e.Status != 0 && e.Status != 403:
		sv.fail = ""
	}
	if s.on[sv.p.ID] == sv {
		s.showIf(sv.p.ID)
	}
}

func (s *serving) onCopyURL() {
	p := s.u.current()
	if p == nil || s.on[p.ID] == nil || s.on[p.ID].proxy == nil {
		return
	}
	// The key lets any local program use the token: cleared like one.
	s.u.copyText(*p, copyProxyURL, s.on[p.ID].proxy.URL(), nil, true)
}

// sync follows the profiles file after a reload: a profile deleted stops
// being served, one edited is served again with its new settings (the
// proxy reads them at start) on the same port, so the URL stays.
func (s *serving) sync() {
	for id, sv := range s.on {
		i := -1
		if s.u.file != nil {
			for j, p := range s.u.file.Profiles {
				if p.ID == id {
					i = j
				}
			}
		}
		switch {
		case i < 0:
			s.stop(id)
			s.u.say("%s: removed; no longer served locally", named(sv.p))
		case reflect.DeepEqual(s.u.file.Profiles[i], sv.p):
		case sv.proxy == nil: // still starting with the old settings: start anew
			s.run(s.u.file.Profiles[i], 0, sv.lines)
		default:
			old, p := sv.proxy, s.u.file.Profiles[i]
			port := portOf(old.URL())
			next := &served{p: p, lines: sv.lines} // starting: a toggle meanwhile sees it on
			s.on[id] = next
			go func() {
				_ = old.Stop()
				s.u.opts.Do(func() {
					if s.on[id] == next {
						s.run(p, port, next.lines)
						s.u.say("%s: edited; serving it again with the new settings", named(p))
					}
				})
			}()
		}
	}
}

// portOf is the port of a proxy's URL.
func portOf(u string) int {
	pu, err := url.Parse(u)
	if err != nil {
		return 0
	}
	n, _ := strconv.Atoi(pu.Port())
	return n
}

// StopServing stops every local token proxy and waits until they are
// closed; the window calls it when it quits.
func (u *UI) StopServing() {
	for id, sv := range u.serve.on {
		delete(u.serve.on, id)
		if sv.proxy != nil {
			_ = sv.proxy.Stop()
		}
	}
}

// showIf redraws the section if it shows profile id.
func (s *serving) showIf(id string) {
	if p := s.u.current(); p != nil && p.ID == id {
		s.show(p)
	}
}

// show sets the section for p, changing only what differs: the countdown
// redraws the pane every second.
func (s *serving) show(p *model.Profile) {
	if p == nil || s.start == nil {
		return
	}
	s.shown = p.ID
	sv := s.on[p.ID]
	if on := sv != nil; s.check.Checked != on {
		s.check.Checked = on // not SetChecked: that would run OnChanged
		s.check.Refresh()
	}
	running := sv != nil && sv.proxy != nil
	text := ""
	switch {
	case running:
		text = sv.proxy.URL()
	case sv != nil:
		text = "starting…"
	}
	setVisible(s.copyBtn, running)
	setLabel(s.url, text)
	setVisible(s.urlRow, sv != nil)
	setLabel(s.hint, hintText(*p))
	setVisible(s.hint, running)
	problem := s.errs[p.ID]
	if sv != nil && sv.fail != "" {
		problem = "Requests get 502: " + sv.fail
	}
	setLabel(s.problem, problem)
	setVisible(s.problem, problem != "")
	logText := ""
	if sv != nil {
		lines := slices.Clone(sv.lines)
		slices.Reverse(lines) // the newest in sight without scrolling
		logText = strings.Join(lines, "\n")
	}
	if logText == "" && running {
		logText = "No requests yet."
	}
	setLabel(s.log, logText)
	setVisible(s.logBox, running)
}

// hintText says what to do with the URL and what the proxy adds.
func hintText(p model.Profile) string {
	adds := "a fresh token"
	if p.BasicAPI() {
		adds = "the client ID and secret (Basic)"
	}
	return "Paste this as the base URL in Postman: requests get " + adds + " on the way. Loopback only; the key in the path keeps other local programs out."
}

func setLabel(l *widget.Label, text string) {
	if l.Text != text {
		l.SetText(text)
	}
}

func setVisible(o fyne.CanvasObject, on bool) {
	if o == nil || on == o.Visible() {
		return
	}
	if on {
		o.Show()
	} else {
		o.Hide()
	}
}
