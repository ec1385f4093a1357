package ui

import (
	"fmt"
	"hash/fnv"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
	"github.com/tokendesk/tokendesk/format"
	"github.com/tokendesk/tokendesk/model"
	"github.com/tokendesk/tokendesk/session"
	"github.com/tokendesk/tokendesk/storage"
)

// The badge colours a person can pick, by name.
var palette = []struct {
	Name string
	Hex  string
}{
	{"Red", "#d32f2f"}, {"Orange", "#ef6c00"}, {"Amber", "#b28704"}, {"Green", "#2e7d32"},
	{"Teal", "#00796b"}, {"Blue", "#1565c0"}, {"Purple", "#6a1b9a"}, {"Grey", "#546e7a"},
}

// defaultEnvColor picks a colour for an environment label nobody chose one
// for: prod is red, staging orange, local green, others by hash.
func defaultEnvColor(env string) string {
	switch strings.ToLower(env) {
	case "prod", "production", "live":
		return "#d32f2f"
	case "staging", "stage", "preprod", "uat":
		return "#ef6c00"
	case "local", "localhost":
		return "#2e7d32"
	case "dev", "development", "test", "qa":
		return "#1565c0"
	case "":
		return "#546e7a"
	}
	h := fnv.New32a()
	h.Write([]byte(strings.ToLower(env)))
	return palette[4+int(h.Sum32()%4)].Hex
}

// envColor is the remembered or default colour of env.
func envColor(f *storage.File, env string) color.Color { return parseHex(envHex(f, env)) }

func parseHex(s string) color.Color {
	var r, g, b uint8
	_, _ = fmt.Sscanf(s, "#%02x%02x%02x", &r, &g, &b) // a bad value stays black
	return color.NRGBA{R: r, G: g, B: b, A: 0xff}
}

// badge is an environment label on its colour.
type badge struct {
	rect *canvas.Rectangle
	text *canvas.Text
	box  *fyne.Container
}

func newBadge() *badge {
	b := &badge{rect: canvas.NewRectangle(color.Black), text: canvas.NewText("", color.White)}
	b.rect.CornerRadius = 4
	b.text.TextSize = theme.CaptionTextSize()
	b.text.TextStyle.Bold = true
	b.box = container.NewStack(b.rect, container.New(layout.NewCustomPaddedLayout(2, 2, badgePad, badgePad), b.text))
	return b
}

// badgePad is the room left and right of a badge's label.
const badgePad = 4

// maxBadgeRunes is the longest environment label a badge shows whole; a
// longer one is cut, so that it does not take the names' room.
const maxBadgeRunes = 10

func badgeLabel(env string) string {
	if r := []rune(env); len(r) > maxBadgeRunes {
		return string(r[:maxBadgeRunes-1]) + "…"
	}
	return env
}

func (b *badge) set(label string, c color.Color) {
	if label == "" {
		b.box.Hide()
		return
	}
	label = badgeLabel(label)
	fg := badgeText(c)
	if b.box.Visible() && b.text.Text == label && b.rect.FillColor == c && b.text.Color == fg {
		return
	}
	b.box.Show()
	b.text.Text = label
	b.text.Color = fg
	b.rect.FillColor = c
	b.box.Refresh()
}

// badgeWidth is how wide the badge of env is drawn.
func badgeWidth(env string) float32 {
	if env == "" {
		return 0
	}
	s := fyne.MeasureText(badgeLabel(env), theme.CaptionTextSize(), fyne.TextStyle{Bold: true})
	return s.Width + 2*badgePad
}

// rowView is one line of the profile list: badge, name, state, and a mark
// while the profile's token is on the clipboard.
type rowView struct {
	widget.BaseWidget
	profile model.Profile // the profile shown, for the ticker
	badge   *badge
	column  *badgeColumn
	name    *widget.Label
	state   *widget.Label
	warn    *widget.Icon
	clip    *widget.Icon
}

// newRow makes a row and registers it with the ticker.
func (u *UI) newRow() fyne.CanvasObject {
	r := &rowView{badge: newBadge(), column: u.badgeCol, name: widget.NewLabel("profile"), state: widget.NewLabel("valid 00:00"),
		warn: widget.NewIcon(theme.WarningIcon()), clip: widget.NewIcon(theme.ContentPasteIcon())}
	r.name.Truncation = fyne.TextTruncateEllipsis // until it is laid out (rowLayout)
	r.warn.Hide()
	r.clip.Hide()
	r.ExtendBaseWidget(r)
	u.rows = append(u.rows, r)
	return r
}

func (r *rowView) CreateRenderer() fyne.WidgetRenderer {
	left := container.NewHBox(container.New(r.column, r.badge.box), r.warn)
	right := container.NewHBox(r.clip, r.state)
	return widget.NewSimpleRenderer(container.New(&rowLayout{border: layout.NewBorderLayout(nil, nil, left, right),
		left: left, right: right, name: r.name}, r.name, left, right))
}

// rowLayout is the row's border layout (badge, name, state) that cuts the
// name with an ellipsis only when it does not fit. Fyne shapes a truncated
// label's text anew at every layout and every change of text, uncached
// (0.3 ms a row); a name that fits needs no cutting, and the list's rows
// are laid out several times before the first frame.
type rowLayout struct {
	border      fyne.Layout
	left, right fyne.CanvasObject
	name        *widget.Label
}

func (l *rowLayout) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	// The width the border gives the name, as layout.borderLayout does.
	w := size.Width
	for _, o := range []fyne.CanvasObject{l.left, l.right} {
		if o.Visible() {
			w -= o.MinSize().Width + theme.Padding()
		}
	}
	fitName(l.name, l.name.Text, w, true)
	l.border.Layout(objs, size)
}

// MinSize is the border's, with the name as narrow as an ellipsis, however
// it is cut now.
func (l *rowLayout) MinSize(objs []fyne.CanvasObject) fyne.Size {
	m := l.border.MinSize(objs)
	if l.name.Truncation == fyne.TextTruncateOff {
		m.Width += ellipsisWidth() - l.name.MinSize().Width
	}
	return m
}

// ellipsisWidth is the width of a label cut with an ellipsis (Fyne's
// textRenderer.MinSize: an "M" and the ellipsis).
func ellipsisWidth() float32 {
	return fyne.MeasureText("M", theme.TextSize(), fyne.TextStyle{}).Width + fyne.MeasureText("…", theme.TextSize(), fyne.TextStyle{}).Width
}

// fitName shows text in l, a label width wide, cut with an ellipsis only
// if it does not fit; a label not laid out yet (sized is false) shows it
// whole until its first layout fits it.
func fitName(l *widget.Label, text string, width float32, sized bool) {
	cut := fyne.TextTruncateOff
	// Fyne cuts at the whole pixel inside the padding.
	if sized && fyne.MeasureText(text, theme.TextSize(), l.TextStyle).Width > float32(int(width-2*theme.InnerPadding())) {
		cut = fyne.TextTruncateEllipsis
	}
	if l.Text != text || l.Truncation != cut {
		l.Text, l.Truncation = text, cut
		l.Refresh()
	}
}

func (u *UI) updateRow(id widget.ListItemID, o fyne.CanvasObject) {
	if id < 0 || id >= len(u.shown) {
		return
	}
	r := o.(*rowView)
	p := u.shown[id]
	r.profile = p
	r.badge.set(p.Env, envColor(u.file, p.Env))
	name := rowName(p)
	if p.GrantType().SignsIn() {
		if st := u.session(p).Status(u.opts.Now()); st.SignedIn {
			name += "  · " + st.User.String() // who is signed in
		}
	}
	fitName(r.name, name, r.name.Size().Width, !r.name.Size().IsZero())
	u.markRow(r)
	if p.AllowInsecure && p.ClearText() {
		r.warn.Show()
	} else {
		r.warn.Hide()
	}
	u.tickRow(r, u.opts.Now())
}

// tickRow updates a row's state text; only a changed label is redrawn.
func (u *UI) tickRow(r *rowView, now time.Time) {
	if r.profile.ID == "" {
		return
	}
	text, imp := liveStateText(u.session(r.profile).Status(now))
	if r.state.Text != text || r.state.Importance != imp {
		r.state.Text, r.state.Importance = text, imp
		r.state.Refresh()
	}
}

// liveStateText is stateText for a countdown on screen, in a list row or
// the detail pane. Far from expiry the time left is in whole minutes, so
// that a window of live tokens changes once a minute rather than every
// second: each change repaints the whole window, which cost 2 % of a core
// under software GL (bench/RESULTS.md) for seconds that mean nothing an
// hour before expiry. The last ten minutes count seconds.
func liveStateText(st session.Status) (string, widget.Importance) {
	text, imp := stateText(st)
	if st.State == session.StateValid && st.ExpiryKnown() && st.Left >= secondsFrom {
		text = "valid " + minutesText(st.Left)
	}
	return text, imp
}

// secondsFrom is the time left below which a countdown counts seconds.
const secondsFrom = 10 * time.Minute

// minutesText is a duration in whole minutes: "42 min", "1 h 05 min".
func minutesText(d time.Duration) string {
	m := int(d / time.Minute)
	if m < 60 {
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d h %02d min", m/60, m%60)
}

// stateText is the list's word for a status, with its emphasis.
func stateText(st session.Status) (string, widget.Importance) {
	switch {
	case st.Loading && st.State == session.StateNone:
		return "…", widget.MediumImportance
	case st.State == session.StateFailed:
		return "error", widget.DangerImportance
	case st.State == session.StateExpiring:
		return format.Status(st), widget.WarningImportance
	case st.State == session.StateExpired:
		return "expired", widget.DangerImportance
	case st.State == session.StateValid:
		return format.Status(st), widget.SuccessImportance
	case st.State == session.StateNone:
		return "no token", widget.MediumImportance
	case st.State == session.StateSignIn:
		return format.Status(st), widget.WarningImportance
	}
	return format.Status(st), widget.MediumImportance
}

// badgeColumn lays the badge out left-aligned in a column as wide as the
// widest badge shown, so that the names of the list line up and start
// right after the badges, whatever the environments' lengths.
type badgeColumn struct{ width float32 }

func (c *badgeColumn) MinSize(objs []fyne.CanvasObject) fyne.Size {
	h := float32(0)
	for _, o := range objs {
		h = max(h, o.MinSize().Height)
	}
	return fyne.NewSize(c.width, h)
}

func (c *badgeColumn) Layout(objs []fyne.CanvasObject, size fyne.Size) {
	for _, o := range objs {
		m := o.MinSize()
		w := min(m.Width, size.Width)
		o.Resize(fyne.NewSize(w, m.Height))
		o.Move(fyne.NewPos(0, (size.Height-m.Height)/2))
	}
}

// profileList is the list of profiles; arrow keys select (rather than only
// move the focus, as widget.List does), and Enter, F5 and Delete act on the
// selection while the list has the focus.
type profileList struct {
	widget.List
	onKey func(*fyne.KeyEvent)
}

func newProfileList(length func() int, create func() fyne.CanvasObject, update func(widget.ListItemID, fyne.CanvasObject), onKey func(*fyne.KeyEvent)) *profileList {
	l := &profileList{onKey: onKey}
	l.Length, l.CreateItem, l.UpdateItem = length, create, update
	l.ExtendBaseWidget(l)
	return l
}

// TypedKey handles keys while the list has the focus.
func (l *profileList) TypedKey(ev *fyne.KeyEvent) {
	switch ev.Name {
	case fyne.KeyUp, fyne.KeyDown, fyne.KeyF5, fyne.KeyDelete, fyne.KeyReturn, fyne.KeyEnter, fyne.KeyEscape:
		l.onKey(ev)
	default:
		l.List.TypedKey(ev)
	}
}
