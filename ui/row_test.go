package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
)

// TestRowNameCutOnlyWhenLong: a name that fits its row is shown whole, and
// not handed to Fyne's ellipsis, which shapes the text anew at every layout
// (several before the first frame); a name too long for the row still ends
// in an ellipsis, and the row asks no more room either way.
func TestRowNameCutOnlyWhenLong(t *testing.T) {
	long := strings.Repeat("a-very-long-profile-name-", 2)
	h := newHarness(t, prof("1", "short", "local", "https://a.example/token"), prof("2", long, "local", "https://b.example/token"))
	rows := map[string]*rowView{}
	for _, r := range h.u.rows {
		if r.profile.ID != "" {
			rows[r.profile.Name] = r
		}
	}
	tests := []struct {
		name     string
		wantCut  fyne.TextTruncation
		wantText func(string) bool
	}{
		{"short", fyne.TextTruncateOff, func(s string) bool { return s == "short" }},
		{long, fyne.TextTruncateEllipsis, func(s string) bool {
			return strings.HasSuffix(s, "…") && strings.HasPrefix(long, strings.TrimSuffix(s, "…"))
		}},
	}
	for _, tc := range tests {
		r := rows[tc.name]
		if r == nil {
			t.Fatalf("no row shows %q", tc.name)
		}
		if got := r.name.Truncation; got != tc.wantCut {
			t.Errorf("%.10s…: truncation %v; want %v", tc.name, got, tc.wantCut)
		}
		if got := shownText(r.name); !tc.wantText(got) {
			t.Errorf("%.10s…: shows %q", tc.name, got)
		}
	}
	if a, b := rows["short"].MinSize(), rows[long].MinSize(); a != b {
		t.Errorf("row min sizes differ: short %v, long %v; want the same", a, b)
	}
}

// shownText is the text a label draws.
func shownText(l *widget.Label) string {
	var b strings.Builder
	for _, o := range test.WidgetRenderer(l).Objects() {
		if rt, ok := o.(*widget.RichText); ok {
			for _, o := range test.WidgetRenderer(rt).Objects() {
				if t, ok := o.(*canvas.Text); ok {
					b.WriteString(t.Text)
				}
			}
		}
	}
	return b.String()
}
