package ui

import (
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/driver/desktop"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// formKeys are the keys every widget of a form answers, whichever has the
// focus: Escape closes the form, Ctrl+Enter submits it.
type formKeys struct {
	escape, submit func()
}

// shortcutSubmit is Ctrl+Enter (Cmd+Enter on macOS).
var shortcutSubmit = &desktop.CustomShortcut{KeyName: fyne.KeyReturn, Modifier: fyne.KeyModifierShortcutDefault}

// isSubmit says whether s is Ctrl+Enter, from either Enter key.
func isSubmit(s fyne.Shortcut) bool {
	c, ok := s.(*desktop.CustomShortcut)
	return ok && (c.KeyName == fyne.KeyReturn || c.KeyName == fyne.KeyEnter) && c.Modifier == fyne.KeyModifierShortcutDefault
}

func (k *formKeys) typedKey(ev *fyne.KeyEvent) bool {
	if k != nil && k.escape != nil && ev.Name == fyne.KeyEscape {
		k.escape()
		return true
	}
	return false
}

func (k *formKeys) typedShortcut(s fyne.Shortcut) bool {
	if k != nil && k.submit != nil && isSubmit(s) {
		k.submit()
		return true
	}
	return false
}

// formEntry is an entry of a form: Tab always moves on, also from a
// multi-line entry (which otherwise types a tab and keeps the focus), and
// the form's keys work while it has the focus. It carries the line under it
// where its validation message shows.
type formEntry struct {
	widget.Entry
	keys *formKeys
	// check says what is wrong with the text, if anything; nil checks
	// nothing.
	check func(string) error
	// msg is the reserved line under the entry for check's message.
	msg *canvas.Text
	// leave runs when the entry loses the focus; nil does nothing.
	leave func()
}

func newFormEntry(keys *formKeys, placeholder string, multiLine bool) *formEntry {
	e := &formEntry{keys: keys}
	e.PlaceHolder = placeholder
	e.MultiLine = multiLine
	if multiLine {
		e.Wrapping = fyne.TextWrapWord
	}
	e.ExtendBaseWidget(e)
	return e
}

// AcceptsTab is false: Tab leaves the entry (fyne.Tabbable).
func (e *formEntry) AcceptsTab() bool { return false }

// FocusLost runs leave.
func (e *formEntry) FocusLost() {
	e.Entry.FocusLost()
	if e.leave != nil {
		e.leave()
	}
}

// TypedKey closes the form on Escape.
func (e *formEntry) TypedKey(ev *fyne.KeyEvent) {
	if !e.keys.typedKey(ev) {
		e.Entry.TypedKey(ev)
	}
}

// TypedShortcut submits the form on Ctrl+Enter.
func (e *formEntry) TypedShortcut(s fyne.Shortcut) {
	if !e.keys.typedShortcut(s) {
		e.Entry.TypedShortcut(s)
	}
}

// formSelect is a select that answers the form's keys.
type formSelect struct {
	widget.Select
	keys *formKeys
}

func newFormSelect(keys *formKeys, options []string, changed func(string)) *formSelect {
	s := &formSelect{keys: keys}
	s.Options = options
	s.OnChanged = changed
	s.PlaceHolder = "(Select one)"
	s.ExtendBaseWidget(s)
	return s
}

// TypedKey closes the form on Escape.
func (s *formSelect) TypedKey(ev *fyne.KeyEvent) {
	if !s.keys.typedKey(ev) {
		s.Select.TypedKey(ev)
	}
}

// formCheck is a check box that answers the form's keys.
type formCheck struct {
	widget.Check
	keys *formKeys
}

func newFormCheck(keys *formKeys, text string, changed func(bool)) *formCheck {
	c := &formCheck{keys: keys}
	c.Text = text
	c.OnChanged = changed
	c.ExtendBaseWidget(c)
	return c
}

// TypedKey closes the form on Escape.
func (c *formCheck) TypedKey(ev *fyne.KeyEvent) {
	if !c.keys.typedKey(ev) {
		c.Check.TypedKey(ev)
	}
}

// TypedShortcut submits the form on Ctrl+Enter and hands any other
// shortcut to the window, as a check box that takes none would.
func (c *formCheck) TypedShortcut(s fyne.Shortcut) {
	if c.keys.typedShortcut(s) {
		return
	}
	if cv, ok := fyne.CurrentApp().Driver().CanvasForObject(c).(fyne.Shortcutable); ok {
		cv.TypedShortcut(s)
	}
}

// ringButton is a button that draws a ring around itself while it has the
// focus: Fyne's own focus tint is lost on a coloured (high importance)
// button. It answers the form's keys when keys is set.
type ringButton struct {
	widget.Button
	keys    *formKeys
	focused bool
}

func newRingButton(keys *formKeys, text string, imp widget.Importance, tapped func()) *ringButton {
	b := &ringButton{keys: keys}
	b.Text = text
	b.Importance = imp
	b.OnTapped = tapped
	b.ExtendBaseWidget(b)
	return b
}

// FocusGained shows the ring.
func (b *ringButton) FocusGained() {
	b.focused = true
	b.Button.FocusGained()
}

// FocusLost hides the ring.
func (b *ringButton) FocusLost() {
	b.focused = false
	b.Button.FocusLost()
}

// TypedKey closes the form on Escape.
func (b *ringButton) TypedKey(ev *fyne.KeyEvent) {
	if !b.keys.typedKey(ev) {
		b.Button.TypedKey(ev)
	}
}

// TypedShortcut submits the form on Ctrl+Enter and hands any other
// shortcut to the window, as a button that takes none would.
func (b *ringButton) TypedShortcut(s fyne.Shortcut) {
	if b.keys.typedShortcut(s) {
		return
	}
	if c, ok := fyne.CurrentApp().Driver().CanvasForObject(b).(fyne.Shortcutable); ok {
		c.TypedShortcut(s)
	}
}

// CreateRenderer draws the button and the ring.
func (b *ringButton) CreateRenderer() fyne.WidgetRenderer {
	ring := canvas.NewRectangle(color.Transparent)
	ring.StrokeWidth = 2
	ring.CornerRadius = theme.InputRadiusSize() + ringGap
	return &ringRenderer{WidgetRenderer: b.Button.CreateRenderer(), b: b, ring: ring}
}

// ringGap is the space between a button's edge and its focus ring.
const ringGap = 2

type ringRenderer struct {
	fyne.WidgetRenderer
	b    *ringButton
	ring *canvas.Rectangle
}

func (r *ringRenderer) Layout(size fyne.Size) {
	r.WidgetRenderer.Layout(size)
	d := ringGap + r.ring.StrokeWidth/2
	r.ring.Move(fyne.NewPos(-d, -d))
	r.ring.Resize(size.AddWidthHeight(2*d, 2*d))
}

func (r *ringRenderer) Objects() []fyne.CanvasObject {
	return append(r.WidgetRenderer.Objects(), r.ring)
}

func (r *ringRenderer) Refresh() {
	r.WidgetRenderer.Refresh()
	r.ring.StrokeColor = color.Transparent
	if r.b.focused {
		r.ring.StrokeColor = theme.Color(theme.ColorNameForeground)
	}
	r.ring.Refresh()
}

// messageLabel is a field's message line: one line of small text in the
// error colour, without a label's padding, so that the space kept for it
// stays small.
func messageLabel() *canvas.Text {
	t := canvas.NewText("", theme.Color(theme.ColorNameError))
	t.TextSize = theme.CaptionTextSize()
	return t
}

// setMessage shows s on a message line; "" clears it.
func setMessage(t *canvas.Text, s string) {
	// One line: a longer story goes where text wraps (the form's problem
	// line); a newline here would show as a box.
	if first, _, more := strings.Cut(s, "\n"); more {
		s = first + " …"
	}
	if t.Text != s {
		t.Text = s
		t.Refresh()
	}
}

// withMessage puts e's message line under obj (e itself when nil), its
// space kept while empty so that the fields below do not move.
func withMessage(obj fyne.CanvasObject, e *formEntry) fyne.CanvasObject {
	if e == nil {
		e = obj.(*formEntry)
	}
	return container.New(layout.NewCustomPaddedVBoxLayout(2), obj, fixLine(e, nil))
}

// fixLine is e's message line with fix (a check box that allows what the
// message refuses) beside it; nil for none.
func fixLine(e *formEntry, fix fyne.CanvasObject) fyne.CanvasObject {
	h := fyne.MeasureText("Ag", e.msg.TextSize, e.msg.TextStyle).Height
	line := fyne.CanvasObject(e.msg)
	if fix != nil {
		h = max(h, fix.MinSize().Height)
		line = container.NewBorder(nil, nil, nil, fix, e.msg)
	}
	space := canvas.NewRectangle(color.Transparent)
	space.SetMinSize(fyne.NewSize(0, h))
	return container.NewStack(space, line)
}
