package gateway

import (
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var testDefaults = FormDefaults{Port: 5985, SSLPort: 5986, Application: "WSMAN", Authentication: "default", Configuration: "Microsoft.PowerShell"}

func TestParseTargetHostileInput(t *testing.T) {
	tests := []struct {
		name string
		form url.Values
		free bool
		want map[string]string // field -> message substring; nil = valid
	}{
		{"computer", url.Values{"computer": {"srv01.corp.example"}}, true, nil},
		{"uri", url.Values{"uri": {"https://srv01:5986/wsman"}}, true, nil},
		{"ipv6 computer", url.Values{"computer": {"fe80::1"}}, true, nil},
		{"neither", url.Values{}, true, map[string]string{"computer": "required"}},
		{"both computer and uri", url.Values{"computer": {"a"}, "uri": {"http://b/wsman"}}, true, map[string]string{"uri": "not both"}},
		{"free target refused", url.Values{"computer": {"a"}}, false, map[string]string{"computer": "published"}},
		{"oversized", url.Values{"computer": {strings.Repeat("a", 10000)}}, true, map[string]string{"computer": "Too long"}},
		{"NUL", url.Values{"computer": {"a\x00b"}}, true, map[string]string{"computer": "Invalid characters"}},
		{"U+FFFE", url.Values{"computer": {"a\uFFFEb"}}, true, map[string]string{"computer": "Invalid characters"}},
		{"CRLF injection", url.Values{"computer": {"a\r\nSet-Cookie: x=y"}}, true, map[string]string{"computer": "Invalid characters"}},
		{"invalid utf8", url.Values{"computer": {"a\xffb"}}, true, map[string]string{"computer": "Invalid characters"}},
		{"HTML", url.Values{"computer": {"<script>alert(1)</script>"}}, true, map[string]string{"computer": "Not a valid computer"}},
		{"space in name", url.Values{"computer": {"a b"}}, true, map[string]string{"computer": "Not a valid computer"}},
		{"relative uri", url.Values{"uri": {"srv01/wsman"}}, true, map[string]string{"uri": "Not a valid connection URI"}},
		{"javascript uri", url.Values{"uri": {"javascript:alert(1)"}}, true, map[string]string{"uri": "Not a valid connection URI"}},
		{"uri with userinfo", url.Values{"uri": {"http://u:p@srv/wsman"}}, true, map[string]string{"uri": "Not a valid connection URI"}},
		{"bad port", url.Values{"computer": {"a"}, "port": {"http"}}, true, map[string]string{"port": "1 to 65535"}},
		{"port out of range", url.Values{"computer": {"a"}, "port": {"70000"}}, true, map[string]string{"port": "1 to 65535"}},
		{"port zero", url.Values{"computer": {"a"}, "port": {"0"}}, true, map[string]string{"port": "1 to 65535"}},
		{"bad auth", url.Values{"computer": {"a"}, "authentication": {"3"}}, true, map[string]string{"authentication": "authentication"}},
		{"bad configuration", url.Values{"computer": {"a"}, "configuration": {"Microsoft.PowerShell/../x"}}, true, map[string]string{"configuration": "configuration"}},
		{"HTML configuration", url.Values{"computer": {"a"}, "configuration": {"<b>"}}, true, map[string]string{"configuration": "configuration"}},
		{"bad alt user", url.Values{"computer": {"a"}, "alt_username": {"a<b>"}}, true, map[string]string{"alt_username": "user name"}},
		{"ftp uri", url.Values{"uri": {"ftp://srv01/wsman"}}, true, map[string]string{"uri": "Not a valid connection URI"}},
		{"uri port out of range", url.Values{"uri": {"https://srv01:99999/wsman"}}, true, map[string]string{"uri": "Not a valid connection URI"}},
		{"uri port zero", url.Values{"uri": {"https://srv01:0/wsman"}}, true, map[string]string{"uri": "Not a valid connection URI"}},
		{"uri unicode host", url.Values{"uri": {"https://sérvér/wsman"}}, true, map[string]string{"uri": "Not a valid connection URI"}},
		{"uri CRLF", url.Values{"uri": {"https://srv01/wsman\r\nX: y"}}, true, map[string]string{"uri": "Invalid characters"}},
		{"uri too long", url.Values{"uri": {"https://srv01/" + strings.Repeat("a", 600)}}, true, map[string]string{"uri": "Too long"}},
		{"both, uri with free target off", url.Values{"computer": {"a"}, "uri": {"http://b/wsman"}}, false, map[string]string{"computer": "published"}},
		{"negative port", url.Values{"computer": {"a"}, "port": {"-5985"}}, true, map[string]string{"port": "1 to 65535"}},
		{"signed port", url.Values{"computer": {"a"}, "port": {"+5985"}}, true, nil},
		{"hex port", url.Values{"computer": {"a"}, "port": {"0x1761"}}, true, map[string]string{"port": "1 to 65535"}},
		{"huge port", url.Values{"computer": {"a"}, "port": {"99999999999999999999"}}, true, map[string]string{"port": "1 to 65535"}},
		{"auth digest not offered", url.Values{"computer": {"a"}, "authentication": {"5"}}, true, map[string]string{"authentication": "authentication"}},
		{"auth implicit credential", url.Values{"computer": {"a"}, "authentication": {"NegotiateWithImplicitCredential"}}, true, map[string]string{"authentication": "authentication"}},
		{"auth by name, any case", url.Values{"computer": {"a"}, "authentication": {"Kerberos"}}, true, nil},
		{"NUL in alt password", url.Values{"computer": {"a"}, "alt_password": {"p\x00w"}}, true, map[string]string{"alt_password": "Invalid characters"}},
		{"U+FFFF in application", url.Values{"computer": {"a"}, "application": {"ws\uFFFFman"}}, true, map[string]string{"application": "Invalid characters"}},
		{"oversized configuration", url.Values{"computer": {"a"}, "configuration": {strings.Repeat("c", 300)}}, true, map[string]string{"configuration": "configuration"}},
		{"several at once", url.Values{"computer": {"a b"}, "port": {"x"}, "application": {"w s"}}, true,
			map[string]string{"computer": "computer", "port": "65535", "application": "application"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs := ParseTarget(tt.form, testDefaults, tt.free)
			if tt.want == nil {
				if errs != nil {
					t.Fatalf("rejected: %v", errs)
				}
				return
			}
			if len(errs) != len(tt.want) {
				t.Errorf("errors %v, want fields %v", errs, tt.want)
			}
			for f, sub := range tt.want {
				if !strings.Contains(errs[f], sub) {
					t.Errorf("field %s: %q, want it to contain %q", f, errs[f], sub)
				}
			}
		})
	}
}

func TestParseTargetDefaults(t *testing.T) {
	got, errs := ParseTarget(url.Values{"computer": {"srv"}, "use_ssl": {"1"}, "authentication": {"2"}}, testDefaults, true)
	if errs != nil {
		t.Fatal(errs)
	}
	want := Target{Computer: "srv", Configuration: "Microsoft.PowerShell", Authentication: "negotiate", UseSSL: true, Port: 5986, Application: "WSMAN"}
	if d := cmp.Diff(want, got); d != "" {
		t.Error(d)
	}
}

func TestParseCredentials(t *testing.T) {
	tests := []struct {
		name       string
		user, pass string
		wantFields []string
	}{
		{"ok domain", `CORP\alice`, "pw", nil},
		{"ok upn", "alice@corp.example", "pw", nil},
		{"empty", "", "", []string{"username", "password"}},
		{"LDAP filter chars", "alice)(uid=*", "pw", []string{"username"}},
		{"wildcard", "*", "pw", []string{"username"}},
		{"CRLF", "alice\r\nx", "pw", []string{"username"}},
		{"NUL password", "alice", "a\x00", []string{"password"}},
		{"oversized password", "alice", strings.Repeat("p", 5000), []string{"password"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, errs := ParseCredentials(url.Values{"username": {tt.user}, "password": {tt.pass}})
			var got []string
			for _, f := range []string{"username", "password"} {
				if errs[f] != "" {
					got = append(got, f)
				}
			}
			if d := cmp.Diff(tt.wantFields, got); d != "" {
				t.Errorf("fields in error (-want +got):\n%s", d)
			}
		})
	}
}

// TestParseTargetDialsWhatIsAuthorized: the computer the rules check and
// the one the backend dials are the same normalised name; a port in the
// computer name is refused (issue 12 #10: a rule for WINSRV01 authorized
// "WINSRV01." and "WINSRV01:44793", which were then dialled as typed).
func TestParseTargetDialsWhatIsAuthorized(t *testing.T) {
	for _, tc := range []struct{ in, computer, display string }{
		{"WINSRV01", "winsrv01", "winsrv01"},
		{"WINSRV01.", "winsrv01", "winsrv01"},
		{"srv1.Example.Test.", "srv1.example.test", "srv1.example.test"},
		{"[2001:DB8::1]", "2001:db8::1", "2001:db8::1"},
		{"2001:db8:0::1", "2001:db8::1", "2001:db8::1"},
		{"192.0.2.10", "192.0.2.10", "192.0.2.10"},
	} {
		tg, errs := ParseTarget(url.Values{FieldComputer: {tc.in}}, testDefaults, true)
		if errs != nil || tg.Computer != tc.computer || tg.Host() != tc.computer || tg.Display() != tc.display {
			t.Errorf("%q: computer %q host %q display %q errs %v; want %q", tc.in, tg.Computer, tg.Host(), tg.Display(), errs, tc.computer)
		}
		if bt := tg.backendTarget("u", "p"); bt.Host != tc.computer {
			t.Errorf("%q: the backend dials %q, the rules saw %q", tc.in, bt.Host, tg.Display())
		}
	}
	for _, in := range []string{"WINSRV01:44793", "srv1:5985", "[::1]:5985", ".", ".."} {
		if _, errs := ParseTarget(url.Values{FieldComputer: {in}}, testDefaults, true); errs[FieldComputer] == "" {
			t.Errorf("%q accepted as a computer name", in)
		}
	}
	tg, errs := ParseTarget(url.Values{FieldURI: {"http://WINSRV01.:5985/wsman"}}, testDefaults, true)
	if errs != nil || tg.URI.Host != "winsrv01:5985" || tg.backendTarget("u", "p").Host != "winsrv01" {
		t.Errorf("URI host: %v %v", tg.URI, errs)
	}
}
