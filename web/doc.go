// Package web embeds the browser side of the gateway: HTML templates and
// static assets, with xterm.js pinned and vendored so that go build needs no
// npm.
package web
