package web

import (
	"bytes"
	"strings"
	"testing"
)

type consoleData struct {
	User, SessionID, SessionName, Target, WebSocketURL, CSRF string
}

func TestRenderConsole(t *testing.T) {
	r, err := NewRenderer()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := r.Render(&b, "console", consoleData{SessionID: "s1", Target: "<srv>", CSRF: "tok"}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{`data-session="s1"`, "&lt;srv&gt;", "/static/console.js"} {
		if !strings.Contains(out, want) {
			t.Errorf("console page lacks %q", want)
		}
	}
	if strings.Contains(out, "<srv>") {
		t.Error("target not escaped")
	}
	if err := r.Render(&b, "nope", nil); err == nil {
		t.Error("unknown page rendered")
	}
}
