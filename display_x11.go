//go:build linux && !wayland

package main

/*
#cgo LDFLAGS: -lX11 -lGL
#include <X11/Xlib.h>
#include <GL/glx.h>

static int ignoreXError(Display *d, XErrorEvent *e) { return 0; }

static int hasGLX(Display *d) {
	int err, ev;
	return glXQueryExtension(d, &err, &ev);
}

// warmGLX makes the first GL context of the process on display d, current
// once on a 1x1 pbuffer, then drops it; any X error is ignored, for the
// real window to meet and report.
static void warmGLX(Display *d) {
	int want[] = {GLX_DRAWABLE_TYPE, GLX_PBUFFER_BIT, GLX_RENDER_TYPE, GLX_RGBA_BIT, None};
	int n = 0;
	GLXFBConfig *c = glXChooseFBConfig(d, DefaultScreen(d), want, &n);
	if (c == NULL) return;
	if (n > 0) {
		XErrorHandler old = XSetErrorHandler(ignoreXError);
		int size[] = {GLX_PBUFFER_WIDTH, 1, GLX_PBUFFER_HEIGHT, 1, None};
		GLXPbuffer pb = glXCreatePbuffer(d, c[0], size);
		GLXContext ctx = glXCreateNewContext(d, c[0], GLX_RGBA_TYPE, NULL, True);
		if (ctx != NULL && pb != None) {
			glXMakeContextCurrent(d, pb, pb, ctx);
			glXMakeContextCurrent(d, None, None, NULL);
		}
		if (ctx != NULL) glXDestroyContext(d, ctx);
		if (pb != None) glXDestroyPbuffer(d, pb);
		XSync(d, False);
		XSetErrorHandler(old);
	}
	XFree(c);
}
*/
import "C"

import (
	"math"
	"os"
	"strconv"
	"unsafe"

	"fyne.io/fyne/v2"
	"github.com/go-gl/glfw/v3.3/glfw"
)

// displayProblem says why no window can open here, or "": without an X
// display GLFW's initialisation panics inside Fyne with a stack trace.
func displayProblem() string {
	if os.Getenv("DISPLAY") == "" {
		return "no X display (DISPLAY is not set): start Token Desk from a desktop session, or use the command line (tokendesk --help)"
	}
	return ""
}

// startGLFW initialises GLFW on the main thread (~30 ms: the X
// connection, its extensions, the input method) before Fyne's first
// NewWindow would, while the widgets are built on another core; Fyne's own
// glfw.Init then finds it done. It reports whether GLFW runs: a failure
// (go-gl only logs it) is left for Fyne to report.
func startGLFW() (ok bool) {
	defer func() {
		if recover() != nil { // go-gl panics on a call into GLFW that did not start
			ok = false
		}
	}()
	_ = glfw.Init()
	return glfw.GetX11Display() != nil
}

// glProblem says why no window can be drawn on this display, once
// startGLFW has tried (glfwUp): GLFW could not open it, or it has no
// OpenGL (GLX). Either way Fyne would fail to make the window and then
// wait for ever; a person is told instead.
func glProblem(glfwUp bool) string {
	if !glfwUp {
		return "cannot open the X display " + os.Getenv("DISPLAY") + "; use the command line (tokendesk --help)"
	}
	if C.hasGLX((*C.Display)(unsafe.Pointer(glfw.GetX11Display()))) == 0 {
		return "the X display " + os.Getenv("DISPLAY") + " has no OpenGL (GLX), which the window draws with (Xvfb: leave its GLX extension on); use the command line (tokendesk --help)"
	}
	return ""
}

// warmGL makes and drops a GL context, on the main thread, once startGLFW
// has started GLFW, before the real window. The first GL context of a
// process loads the driver (Mesa's llvmpipe: ~65 ms of a ~95 ms first
// window); done here, it overlaps with the widgets being built on another
// core, and the real window then costs only its own ~30 ms. It talks GLX
// on GLFW's X connection, which nothing else uses until the window is
// made, and touches no Fyne state. (A hidden GLFW window did the same for
// ~10 ms more: GLFW weighs every framebuffer config for each window, 840
// under Xvfb, with a list walk per attribute read.)
func warmGL() {
	C.warmGLX((*C.Display)(unsafe.Pointer(glfw.GetX11Display())))
}

// screenSize is the primary screen in Fyne's units at the scale Fyne will
// pick for a window on it (FYNE_SCALE or the app's setting, appScale,
// times the scale its DPI asks for), or zero when GLFW cannot say.
func screenSize(appScale float32) fyne.Size {
	m := glfw.GetPrimaryMonitor()
	if m == nil {
		return fyne.Size{}
	}
	mode := m.GetVideoMode()
	if mode == nil {
		return fyne.Size{}
	}
	user := float32(1)
	if env := os.Getenv("FYNE_SCALE"); env != "" && env != "auto" {
		if s, err := strconv.ParseFloat(env, 32); err == nil && s > 0 {
			user = float32(s)
		}
	} else if env == "" && appScale > 0 {
		user = appScale
	}
	// Fyne's DPI rule: 120 dpi is 1, never below 1.
	detected := float32(1)
	if mm, _ := m.GetPhysicalSize(); mm > 0 {
		if dpi := float32(mode.Width) / (float32(mm) / 25.4); dpi >= 10 && dpi <= 1000 {
			detected = max(1, dpi/120)
		}
	}
	scale := float32(math.Round(float64(user*detected*10))) / 10
	return fyne.NewSize(float32(mode.Width)/scale, float32(mode.Height)/scale)
}
