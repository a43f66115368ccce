package wsman

import (
	"strings"
	"testing"
)

func TestEndpointValidate(t *testing.T) {
	tests := []struct {
		name    string
		e       Endpoint
		wantErr []string // every one of these, at once
	}{
		{"ok negotiate http", Endpoint{Host: "h", Username: "u"}, nil},
		{"ok basic https", Endpoint{Host: "h", Username: "u", HTTPS: true}, nil},
		{"ok kerberos", Endpoint{Host: "h", Username: "u", Auth: "Kerberos", Realm: "EXAMPLE.TEST"}, nil},
		{"basic over http refused", Endpoint{Host: "h", Username: "u", Auth: "basic"}, []string{"refused over plain HTTP"}},
		{"kerberos needs realm", Endpoint{Host: "h", Username: "u", Auth: "kerberos"}, []string{"realm is empty"}},
		{"all at once", Endpoint{Port: 70000, Auth: "digest"},
			[]string{"host: empty", "port 70000: out of range", `auth "digest"`, "username: empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.e
			e.SetDefaults()
			err := e.Validate()
			if len(tt.wantErr) == 0 {
				if err != nil {
					t.Fatalf("Validate: %v", err)
				}
				return
			}
			for _, want := range tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Errorf("Validate = %v, want %q", err, want)
				}
			}
		})
	}
}

func TestEndpointDefaults(t *testing.T) {
	e := Endpoint{Host: "fe80::1", HTTPS: true, Path: "custom"}
	e.SetDefaults()
	if e.Port != 5986 || e.Auth != "basic" || e.Path != "/custom" || e.Logger == nil {
		t.Fatalf("defaults: %+v", e)
	}
	if got := e.URL(); got != "https://[fe80::1]:5986/custom" {
		t.Fatalf("url = %q", got)
	}
	e = Endpoint{Host: "h"}
	e.SetDefaults()
	if e.Port != 5985 || e.Auth != "negotiate" || e.Path != "/wsman" || e.URL() != "http://h:5985/wsman" {
		t.Fatalf("defaults over http: %+v", e)
	}
}

func TestKerberosSPNDefault(t *testing.T) {
	e := Endpoint{Host: "srv1.example.test", Auth: "kerberos", Realm: "EXAMPLE.TEST", Username: "alice"}
	e.SetDefaults()
	if e.SPN != "HTTP/srv1.example.test" {
		t.Fatalf("SPN %q, want HTTP/srv1.example.test", e.SPN)
	}
	e = Endpoint{Host: "10.0.0.5", SPN: "HTTP/srv1.example.test"}
	e.SetDefaults()
	if e.SPN != "HTTP/srv1.example.test" {
		t.Fatalf("SPN %q: the configured one must stay", e.SPN)
	}
}
