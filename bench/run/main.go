// Command run is `make bench`: it measures Token Desk beside its reference
// points in one run — the CLI against curl, the window against a minimal
// Fyne window, many profiles against few — and prints a table of medians,
// ratios, targets and verdicts (as Markdown with -o). It needs the real
// keychain (run it under scripts/with-keyring), Xvfb and curl.
package main

import (
	"bufio"
	"bytes"
	"context"
	"debug/buildinfo"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/tokendesk/tokendesk/auth"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/session"
	"github.com/tokendesk/tokendesk/storage"
)

var (
	binDir  = flag.String("bin", ".cache/bench", "directory holding tokendesk, tokendesk-gui and hello")
	runs    = flag.Int("runs", 21, "runs per process measurement (median reported)")
	winRuns = flag.Int("window-runs", 15, "runs per window start measurement")
	idleFor = flag.Duration("idle", 60*time.Second, "how long idle CPU is measured")
	outFile = flag.String("o", "", "also write the results as Markdown to this file")
	only    = flag.String("only", "", "measure only these rows, for a quick look: cli (the CLI against curl) or window (the window's start against hello's)")
)

// row is one line of the results table.
type row struct {
	what, ours, ref, ratio, target string
	met                            bool
}

// recordOnly says the row is measured for the record, with no target.
func (r row) recordOnly() bool { return r.target == "" }

// verdict is the row's outcome in the words given.
func (r row) verdict(met, missed, record string) string {
	switch {
	case r.recordOnly():
		return record
	case r.met:
		return met
	}
	return missed
}

func (r row) targetText() string {
	if r.recordOnly() {
		return "— (for the record)"
	}
	return r.target
}

var rows []row

func add(r row) {
	rows = append(rows, r)
	fmt.Fprintf(os.Stderr, "  %-58s %s vs %s → %s (target %s): %s\n", r.what, r.ours, r.ref, r.ratio, r.targetText(),
		r.verdict("met", "MISSED", "for the record"))
}

func main() {
	flag.Parse()
	start := time.Now()
	if *only != "" && *only != "cli" && *only != "window" {
		fail("-only %q: want cli or window", *only)
	}
	for _, tool := range []string{"curl", "Xvfb"} {
		if _, err := exec.LookPath(tool); err != nil && (tool == "curl" && *only != "window" || tool == "Xvfb" && *only != "cli") {
			fail("%s is not installed (make bench installs it)", tool)
		}
	}
	bin := func(name string) string { return filepath.Join(*binDir, name) }
	needProbe(bin("tokendesk-gui"))

	srv := httptest.NewServer(http.HandlerFunc(tokenHandler))
	defer srv.Close()
	work, err := os.MkdirTemp("", "tokendesk-bench-")
	check(err)
	defer os.RemoveAll(work)
	keys := storage.NewKeychain(storage.NewSystemStore())

	if *only == "window" {
		fmt.Fprintln(os.Stderr, "Window start against a minimal Fyne window (Xvfb):")
		display, stopX := startXvfb()
		defer stopX()
		startRows(bin("tokendesk-gui"), bin("hello"), display, work, srv.URL, keys)
	} else {
		fmt.Fprintln(os.Stderr, "CLI against curl:")
		cliRows(bin("tokendesk"), srv.URL, filepath.Join(work, "cli"), keys)
		refreshRow(bin("tokendesk"), srv.URL, filepath.Join(work, "refresh"), keys)
	}

	goBench := ""
	if *only == "" {
		fmt.Fprintln(os.Stderr, "Window against a minimal Fyne window (Xvfb):")
		display, stopX := startXvfb()
		defer stopX()
		windowRows(bin("tokendesk-gui"), bin("hello"), display, work, srv.URL, keys)

		fmt.Fprintln(os.Stderr, "Token requests for 50 profiles at once:")
		stormRow()

		fmt.Fprintln(os.Stderr, "The local token proxy against direct requests:")
		proxyRows()

		fmt.Fprintln(os.Stderr, "Go benchmarks:")
		goBench = goBenchmarks()
	}

	table := render(goBench, time.Since(start))
	fmt.Print(table)
	if *outFile != "" {
		check(os.WriteFile(*outFile, []byte(table), 0o644))
	}
	missed, targets := 0, 0
	for _, r := range rows {
		if r.recordOnly() {
			continue
		}
		targets++
		if !r.met {
			missed++
		}
	}
	fmt.Fprintf(os.Stderr, "%d of %d targets met\n", targets-missed, targets)
	if missed > 0 {
		os.Exit(1)
	}
}

// tokenHandler is a token endpoint with no work in it; /slow waits 50 ms.
func tokenHandler(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/slow") {
		time.Sleep(50 * time.Millisecond) // the simulated server latency
	}
	_ = r.ParseForm()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"access_token":"bench-%d","token_type":"bearer","expires_in":3600}`, time.Now().UnixNano())
}

const benchSecret = "bench-secret-value"

// seed writes n profiles into dir with secrets and, if tokens, live cached tokens.
func seed(dir string, n int, tokenURL string, keys *storage.Keychain, secrets, tokens bool) []model.Profile {
	s := storage.Open(dir)
	var ps []model.Profile
	check(s.Update(func(f *storage.File) error {
		for i := range n {
			p := model.Profile{
				ID: fmt.Sprintf("bench%04d", i), Name: fmt.Sprintf("bench-%04d", i),
				Env: []string{"local", "staging", "prod"}[i%3], TokenURL: tokenURL, ClientID: "bench-client",
				BaseURL: "https://api.example.com/", AuthStyle: model.AuthHeader,
			}
			q, err := f.Put(p)
			if err != nil {
				return err
			}
			ps = append(ps, q)
		}
		return nil
	}))
	now := time.Now()
	for _, p := range ps {
		if secrets {
			check(keys.SetClientSecret(p.ID, benchSecret))
		}
		if tokens {
			_, err := keys.SetToken(p.ID, model.Token{AccessToken: "cached-" + p.ID, TokenType: "bearer",
				IssuedAt: now, Expiry: now.Add(2 * time.Hour), Fingerprint: p.Fingerprint()})
			check(err)
		}
	}
	return ps
}

func forget(keys *storage.Keychain, ps []model.Profile) {
	for _, p := range ps {
		_ = keys.Forget(p.ID)
	}
}

// timeRun runs a command to completion and returns its wall time.
func timeRun(env []string, name string, args ...string) time.Duration {
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = io.Discard
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	t0 := time.Now()
	err := cmd.Run()
	d := time.Since(t0)
	if err != nil {
		fail("%s %v: %v\n%s", name, args, err, stderr.String())
	}
	return d
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func cliRows(tokendesk, url, cfg string, keys *storage.Keychain) {
	ps := seed(cfg, 1, url+"/token", keys, true, false)
	defer forget(keys, ps)
	env := []string{"TOKENDESK_CONFIG_DIR=" + cfg}
	curlArgs := []string{"-s", "-f", "-o", "/dev/null", "-X", "POST", "-u", "bench-client:" + benchSecret,
		"-d", "grant_type=client_credentials", url + "/token"}
	// Warm both up once, then interleave so drift hits both alike.
	timeRun(env, tokendesk, "token", ps[0].Name, "--fresh")
	timeRun(nil, "curl", curlArgs...)
	var fresh, cached, curl []time.Duration
	for range *runs {
		fresh = append(fresh, timeRun(env, tokendesk, "token", ps[0].Name, "--fresh"))
		curl = append(curl, timeRun(nil, "curl", curlArgs...))
		cached = append(cached, timeRun(env, tokendesk, "token", ps[0].Name))
	}
	c := median(curl)
	f, k := median(fresh), median(cached)
	add(row{"`tokendesk token NAME --fresh` (local token server)", ms(f), "curl POST " + ms(c),
		fmt.Sprintf("%.2f×", float64(f)/float64(c)), "≤ 1.3× curl", float64(f) <= 1.3*float64(c)})
	add(row{"`tokendesk token NAME`, cached token (keychain, no network)", ms(k), "curl POST " + ms(c),
		fmt.Sprintf("%.2f×", float64(k)/float64(c)), "≤ 1.0× curl", k <= c})
}

// refreshRow measures a silent refresh: `tokendesk token NAME` for a
// signed-in profile whose access token has expired and whose refresh
// token is valid, against curl posting the same refresh request.
func refreshRow(tokendesk, url, cfg string, keys *storage.Keychain) {
	const refresh = "bench-refresh-token"
	s := storage.Open(cfg)
	var p model.Profile
	check(s.Update(func(f *storage.File) error {
		var err error
		p, err = f.Put(model.Profile{ID: "benchrefresh", Name: "bench-refresh", TokenURL: url + "/token", ClientID: "bench-client",
			Grant: model.GrantAuthorizationCode, AuthStyle: model.AuthNone, AuthorizeURL: url + "/authorize"})
		return err
	}))
	defer forget(keys, []model.Profile{p})
	check(keys.SetSignIn(p.ID, model.SignIn{RefreshToken: refresh, Fingerprint: p.Fingerprint()}))
	expire := func() {
		now := time.Now()
		_, err := keys.SetToken(p.ID, model.Token{AccessToken: "expired", TokenType: "bearer",
			IssuedAt: now.Add(-2 * time.Hour), Expiry: now.Add(-time.Hour), Fingerprint: p.Fingerprint()})
		check(err)
	}
	env := []string{"TOKENDESK_CONFIG_DIR=" + cfg}
	curlArgs := []string{"-s", "-f", "-o", "/dev/null", "-X", "POST", "-d", "grant_type=refresh_token",
		"-d", "refresh_token=" + refresh, "-d", "client_id=bench-client", url + "/token"}
	expire()
	timeRun(env, tokendesk, "token", p.Name)
	timeRun(nil, "curl", curlArgs...)
	var ours, curl []time.Duration
	for range *runs {
		expire()
		ours = append(ours, timeRun(env, tokendesk, "token", p.Name))
		curl = append(curl, timeRun(nil, "curl", curlArgs...))
	}
	o, c := median(ours), median(curl)
	add(row{"`tokendesk token NAME`, silent refresh (expired access token, valid refresh token)", ms(o), "curl POST " + ms(c),
		fmt.Sprintf("%.2f×", float64(o)/float64(c)), "≤ 1.3× curl", float64(o) <= 1.3*float64(c)})
}

func startXvfb() (string, func()) {
	r, w, err := os.Pipe()
	check(err)
	x := exec.Command("Xvfb", "-displayfd", "3", "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	x.ExtraFiles = []*os.File{w}
	check(x.Start())
	w.Close()
	line, err := bufio.NewReader(r).ReadString('\n')
	check(err)
	return ":" + strings.TrimSpace(line), func() { _ = x.Process.Kill(); _ = x.Wait() }
}

// app is a window process started with the probe, up and ready.
type app struct {
	cmd *exec.Cmd
}

func startApp(path, display, cfg string) *app {
	cmd := exec.Command(path)
	cmd.Env = append(os.Environ(), "DISPLAY="+display, "TOKENDESK_CONFIG_DIR="+cfg, "TOKENDESK_PROBE=ready", "LANG=C.UTF-8")
	out, err := cmd.StdoutPipe()
	check(err)
	cmd.Stderr = io.Discard
	check(cmd.Start())
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			if sc.Text() == "ready" {
				ready <- true
			}
		}
		close(ready)
	}()
	select {
	case ok := <-ready:
		if !ok {
			fail("%s exited before it was ready", path)
		}
	case <-time.After(60 * time.Second):
		fail("%s not ready within 60 s", path)
	}
	return &app{cmd: cmd}
}

func (a *app) stop() { _ = a.cmd.Process.Kill(); _ = a.cmd.Wait() }

// rssKB reads the resident set size from /proc.
func (a *app) rssKB() int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", a.cmd.Process.Pid))
	check(err)
	m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(data)
	if m == nil {
		fail("no VmRSS")
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// cpuTicks reads user+system CPU time from /proc, in clock ticks.
func (a *app) cpuTicks() int {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", a.cmd.Process.Pid))
	check(err)
	fields := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+2:]))
	u, _ := strconv.Atoi(fields[11])
	s, _ := strconv.Atoi(fields[12])
	return u + s
}

// clkTck is USER_HZ, 100 on Linux.
const clkTck = 100

// startCase is one window to start: a binary and its profiles.
type startCase struct{ path, cfg string }

// windowStarts measures how long each case takes to start, interleaved run
// by run so that the machine's drift hits all of them alike, and returns
// the medians in the order given.
func windowStarts(display string, cases ...startCase) []time.Duration {
	env := func(c startCase) []string {
		return []string{"DISPLAY=" + display, "TOKENDESK_CONFIG_DIR=" + c.cfg, "TOKENDESK_PROBE=exit", "LANG=C.UTF-8"}
	}
	ds := make([][]time.Duration, len(cases))
	for _, c := range cases {
		timeRun(env(c), c.path) // warm the page cache
	}
	for range *winRuns {
		for i, c := range cases {
			ds[i] = append(ds[i], timeRun(env(c), c.path))
		}
	}
	meds := make([]time.Duration, len(cases))
	for i := range ds {
		meds[i] = median(ds[i])
		// The spread, on stderr: each case's quartiles, and those of its
		// run-by-run ratio to the first case.
		s := slices.Sorted(slices.Values(ds[i]))
		line := fmt.Sprintf("    %s %s: median %s, quartiles %s–%s", filepath.Base(cases[i].path), filepath.Base(cases[i].cfg),
			ms(meds[i]), ms(s[len(s)/4]), ms(s[len(s)*3/4]))
		if i > 0 {
			r := make([]float64, len(ds[i]))
			for j := range r {
				r[j] = float64(ds[i][j]) / float64(ds[0][j])
			}
			slices.Sort(r)
			line += fmt.Sprintf("; run by run %.2f× (quartiles %.2f–%.2f) the first", r[len(r)/2], r[len(r)/4], r[len(r)*3/4])
		}
		fmt.Fprintln(os.Stderr, line)
	}
	return meds
}

// startRows measures the window's start, with 10 and with 1,000 profiles,
// against hello's.
func startRows(gui, hello, display, work, url string, keys *storage.Keychain) {
	cfg10, cfg1000 := filepath.Join(work, "w10"), filepath.Join(work, "w1000")
	seed(cfg10, 10, url+"/token", keys, false, false)
	seed(cfg1000, 1000, url+"/token", keys, false, false)
	starts := windowStarts(display, startCase{hello, filepath.Join(work, "none")}, startCase{gui, cfg10}, startCase{gui, cfg1000})
	h, g, g1000 := starts[0], starts[1], starts[2]
	add(row{"window: start to first frame (10 profiles)", ms(g), "hello " + ms(h),
		fmt.Sprintf("%.2f×", float64(g)/float64(h)), "≤ 1.25× hello", float64(g) <= 1.25*float64(h)})
	add(row{"window: start with 1,000 profiles", ms(g1000), "10 profiles " + ms(g),
		fmt.Sprintf("%.2f×", float64(g1000)/float64(g)), "≤ 1.5× 10-profile start", float64(g1000) <= 1.5*float64(g)})
}

func windowRows(gui, hello, display, work, url string, keys *storage.Keychain) {
	startRows(gui, hello, display, work, url, keys)
	cfg100, cfg50 := filepath.Join(work, "w100"), filepath.Join(work, "w50")
	seed(cfg100, 100, url+"/token", keys, false, false)
	live := seed(cfg50, 50, url+"/token", keys, true, true)
	defer forget(keys, live)

	// Memory after start, settled.
	ha := startApp(hello, display, filepath.Join(work, "none"))
	ga := startApp(gui, display, cfg100)
	time.Sleep(3 * time.Second) // let the background keychain reads finish: RSS after start, not during
	hr, gr := ha.rssKB(), ga.rssKB()
	ha.stop()
	ga.stop()
	add(row{"window: resident memory, 100 profiles", fmt.Sprintf("%.1f MB", float64(gr)/1024), fmt.Sprintf("hello %.1f MB", float64(hr)/1024),
		fmt.Sprintf("+%.1f MB", float64(gr-hr)/1024), "≤ hello + 25 MB", gr-hr <= 25*1024})

	// Idle CPU, both windows side by side over the same interval: first
	// with nothing selected (the list rows count whole minutes until the
	// last ten), then with one profile selected, whose countdown ticks
	// every second.
	add(idleRow(hello, gui, display, filepath.Join(work, "none"), cfg50, "50 live countdowns"))
	prefs := filepath.Join(os.Getenv("XDG_CONFIG_HOME"), "fyne", "io.github.tokendesk.tokendesk", "preferences.json")
	check(os.MkdirAll(filepath.Dir(prefs), 0o700))
	check(os.WriteFile(prefs, []byte(`{"lastSelected":"bench0000"}`), 0o600))
	add(idleRow(hello, gui, display, filepath.Join(work, "none"), cfg50, "50 live countdowns, one selected"))
	// The last ten minutes of a token count seconds, in the list and the
	// detail pane alike: what that costs, for the record.
	now := time.Now()
	_, err := keys.SetToken(live[0].ID, model.Token{AccessToken: "cached-" + live[0].ID, TokenType: "bearer",
		IssuedAt: now.Add(-50 * time.Minute), Expiry: now.Add(9*time.Minute + 30*time.Second), Fingerprint: live[0].Fingerprint()})
	check(err)
	r := idleRow(hello, gui, display, filepath.Join(work, "none"), cfg50, "one selected in its last 10 minutes (seconds ticking)")
	r.target = "" // for the record
	add(r)
	check(os.Remove(prefs))
}

// idleRow measures the idle CPU of the window against hello's, side by
// side over the same interval.
func idleRow(hello, gui, display, helloCfg, cfg, what string) row {
	ha := startApp(hello, display, helloCfg)
	ga := startApp(gui, display, cfg)
	time.Sleep(3 * time.Second) // past start-up work, into the steady ticking
	h0, g0 := ha.cpuTicks(), ga.cpuTicks()
	time.Sleep(*idleFor) // the measurement window itself
	h1, g1 := ha.cpuTicks(), ga.cpuTicks()
	ha.stop()
	ga.stop()
	secs := idleFor.Seconds()
	hp := float64(h1-h0) / clkTck / secs * 100
	gp := float64(g1-g0) / clkTck / secs * 100
	return row{what: fmt.Sprintf("window: idle CPU over %s, %s", idleFor, what), ours: fmt.Sprintf("%.2f %%", gp), ref: fmt.Sprintf("hello %.2f %%", hp),
		ratio: fmt.Sprintf("%+.2f %% of a core", gp-hp), target: "≤ hello + 1 %", met: gp-hp <= 1}
}

// stormRow fetches 50 tokens at once against a server with 50 ms latency.
func stormRow() {
	srv := httptest.NewServer(http.HandlerFunc(tokenHandler))
	defer srv.Close()
	keys := storage.NewKeychain(&storage.MemoryStore{}) // the keychain is not what is measured here
	var ps []model.Profile
	for i := range 50 {
		p := model.Profile{ID: fmt.Sprintf("s%02d", i), Name: fmt.Sprintf("s%02d", i), TokenURL: srv.URL + "/slow", ClientID: "c", AuthStyle: model.AuthHeader}
		check(keys.SetClientSecret(p.ID, benchSecret))
		ps = append(ps, p)
	}
	var one, all []time.Duration
	for range 7 {
		m := session.NewManager(keys, auth.NewClient())
		t0 := time.Now()
		_, err := m.Session(ps[0]).Token(context.Background(), true)
		check(err)
		one = append(one, time.Since(t0))

		m = session.NewManager(keys, auth.NewClient())
		t0 = time.Now()
		var wg sync.WaitGroup
		for _, p := range ps {
			wg.Go(func() {
				_, err := m.Session(p).Token(context.Background(), true)
				check(err)
			})
		}
		wg.Wait()
		all = append(all, time.Since(t0))
	}
	o, a := median(one), median(all)
	add(row{"\"Get token\" for 50 profiles at once (server latency 50 ms)", ms(a), "one fetch " + ms(o),
		fmt.Sprintf("%.2f×", float64(a)/float64(o)), "≤ 3× one fetch", float64(a) <= 3*float64(o)})
}

// goBenchmarks runs the testing.B benchmarks of the hot paths.
func goBenchmarks() string {
	cmd := exec.Command("go", "test", "-tags", "migrated_fynedo,no_emoji", "-run", "^$", "-bench", ".", "-benchmem", "-count", "1",
		"./storage", "./session", "./format", "./ui")
	out, err := cmd.CombinedOutput()
	if err != nil {
		fail("go test -bench: %v\n%s", err, out)
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(l, "Benchmark") {
			lines = append(lines, l)
			fmt.Fprintln(os.Stderr, "  "+l)
		}
		if strings.HasPrefix(l, "BenchmarkFilterKeystroke") {
			f := strings.Fields(l)
			ns, _ := strconv.ParseFloat(f[2], 64)
			d := time.Duration(ns)
			add(row{"filter the list per keystroke, 1,000 profiles (headless driver)", ms(d), "—", "—", "≤ 16 ms", d <= 16*time.Millisecond})
		}
	}
	return strings.Join(lines, "\n")
}

func render(goBench string, took time.Duration) string {
	var b strings.Builder
	host, _ := os.Hostname()
	_ = host
	cpu := "unknown CPU"
	if data, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		if m := regexp.MustCompile(`model name\s*:\s*(.+)`).FindSubmatch(data); m != nil {
			cpu = string(m[1])
		}
	}
	fmt.Fprintf(&b, "# Token Desk benchmarks\n\n")
	fmt.Fprintf(&b, "Measured %s on %d cores (%s), %s %s/%s, by `make bench` (%s; medians of %d process runs, %d window starts).\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), runtime.NumCPU(), cpu, runtime.Version(), runtime.GOOS, runtime.GOARCH,
		took.Round(time.Second), *runs, *winRuns)
	fmt.Fprintf(&b, "| what | Token Desk | reference (same run) | ratio | target | met |\n|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", r.what, r.ours, r.ref, r.ratio, r.targetText(), r.verdict("yes", "no", "—"))
	}
	if goBench != "" {
		fmt.Fprintf(&b, "\nGo benchmarks (`go test -bench . -benchmem`):\n\n```\n%s\n```\n", goBench)
	}
	fmt.Fprintf(&b, `
How: process times are wall-clock from start to exit, interleaved run by
run with the reference so that drift hits both. The window's start is measured to the
point where its main loop has run a round trip on the UI thread after start
(internal/probe, linked into probe builds only: -tags probe), for
Token Desk and for bench/hello alike. Memory is VmRSS
3 s after start; idle CPU is user+system time from /proc over the interval,
for both windows side by side. The keychain is a real gnome-keyring on a
private D-Bus session.
`)
	return b.String()
}

// needProbe fails unless the window at path was built with -tags probe,
// which links the start probe the window rows wait for (internal/probe).
func needProbe(path string) {
	info, err := buildinfo.ReadFile(path)
	check(err)
	for _, s := range info.Settings {
		if s.Key == "-tags" && slices.Contains(strings.Split(s.Value, ","), "probe") {
			return
		}
	}
	fail("%s was built without -tags probe, so it cannot say when it is up (make bench builds it so)", path)
}

func check(err error) {
	if err != nil {
		fail("%v", err)
	}
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
	os.Exit(2)
}
