package ui

// Rows is what the profile list shows, a line per profile in list order:
// name, environment and token state, tab-separated. Call it on the UI
// thread; it is for tests that drive the built window (-tags probe).
func (u *UI) Rows() []string {
	now := u.opts.Now()
	rows := make([]string, 0, len(u.shown))
	for _, p := range u.shown {
		text, _ := liveStateText(u.session(p).Status(now))
		rows = append(rows, p.Name+"\t"+p.Env+"\t"+text)
	}
	return rows
}
