package ui

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
)

func TestNotifiesBeforeCopiedTokenExpires(t *testing.T) {
	var requests atomic.Int32
	srv := okServer(t, &requests)
	h := newHarness(t, prof("p1", "prod", "prod", srv.URL+"/token"))
	h.selectName("prod")
	test.Tap(h.u.detail.copyBtn) // a token, the first copy
	h.until("the copy", func() bool { return h.app.Clipboard().Content() != "" })
	h.now = h.now.Add(58*time.Minute + 30*time.Second)
	want := fyne.NewNotification("Token Desk: token expiring", "The token you copied for prod expires in 1:30.")
	test.AssertNotificationSent(t, nil, func() { h.u.Tick() }) // 1:30 left: not yet
	h.now = h.now.Add(31 * time.Second)
	want.Content = "The token you copied for prod expires in 0:59."
	test.AssertNotificationSent(t, want, func() { h.u.Tick() })
	test.AssertNotificationSent(t, nil, func() { h.u.Tick() }) // once per token
}

func TestRemembersLastSelected(t *testing.T) {
	h := newHarness(t, prof("a", "alpha", "", "https://a.example/token"), prof("b", "beta", "", "https://a.example/token"))
	h.selectName("beta")
	// A new window over the same app (same preferences) starts on beta.
	w2 := h.app.NewWindow("again")
	u2 := New(h.app, w2, h.u.opts)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	u2.Start(ctx)
	if u2.selected != "b" || !strings.Contains(u2.detail.title.Text, "beta") {
		t.Errorf("restarted with %q selected", u2.selected)
	}
}
