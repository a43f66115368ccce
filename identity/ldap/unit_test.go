package ldap

import (
	"bytes"
	"encoding/base64"
	"errors"
	"testing"

	goldap "github.com/go-ldap/ldap/v3"
)

func TestSID(t *testing.T) {
	tests := []struct{ b64, want string }{
		// objectSid of srv1 in the Samba fixture (base64 from ldapsearch)
		{"AQUAAAAAAAUVAAAAL83+yR0ersWHT57nXwQAAA==", "S-1-5-21-3388919087-3316522525-3885911943-1119"}, // as samba's ndr_unpack(dom_sid) prints it
		{"AQIAAAAAAAUgAAAAIQIAAA==", "S-1-5-32-545"},                                                   // BUILTIN\Users
		{"AQEAAAAAAAUSAAAA", "S-1-5-18"},                                                               // LocalSystem
	}
	for _, tc := range tests {
		raw, _ := base64.StdEncoding.DecodeString(tc.b64)
		got, err := DecodeSID(raw)
		if err != nil || got != tc.want {
			t.Errorf("DecodeSID(%s) = %q, %v; want %q", tc.b64, got, err, tc.want)
		}
		back, err := EncodeSID(tc.want)
		if err != nil || !bytes.Equal(back, raw) {
			t.Errorf("EncodeSID(%q) = %x, %v; want %x", tc.want, back, err, raw)
		}
	}
	for _, bad := range [][]byte{nil, {1}, {2, 0, 0, 0, 0, 0, 0, 5}, {1, 2, 0, 0, 0, 0, 0, 5, 1, 0, 0, 0}} {
		if s, err := DecodeSID(bad); err == nil {
			t.Errorf("DecodeSID(%x) = %q, want an error", bad, s)
		}
	}
	for _, bad := range []string{"", "S-1", "S-2-5-1", "S-1-x", "S-1-5-99999999999", "alice", "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16"} {
		if IsSID(bad) {
			t.Errorf("IsSID(%q) = true", bad)
		}
	}
	v, _ := sidFilterValue("S-1-5-18")
	if v != `\01\01\00\00\00\00\00\05\12\00\00\00` {
		t.Errorf("sidFilterValue = %s", v)
	}
}

func FuzzDecodeSID(f *testing.F) {
	raw, _ := base64.StdEncoding.DecodeString("AQUAAAAAAAUVAAAAL83+yR0ersWHT57nXwQAAA==")
	f.Add(raw)
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeSID(b)
		if err != nil {
			return
		}
		back, err := EncodeSID(s)
		if err != nil || !bytes.Equal(back, b) {
			t.Fatalf("round trip of %x: %q -> %x, %v", b, s, back, err)
		}
	})
}

func TestClassifyBind(t *testing.T) {
	ad := func(code string) error {
		return &goldap.Error{ResultCode: 49, Err: errors.New("80090308: LdapErr: DSID-0C0903A9, comment: AcceptSecurityContext error, data " + code + ", v1db1")}
	}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"52e", ad("52e"), ErrInvalidCredentials},
		{"525", ad("525"), ErrInvalidCredentials},
		{"530", ad("530"), ErrAccountDisabled},
		{"532", ad("532"), ErrPasswordExpired},
		{"533", ad("533"), ErrAccountDisabled},
		{"701", ad("701"), ErrAccountExpired},
		{"773", ad("773"), ErrMustChangePassword},
		{"775", ad("775"), ErrAccountLocked},
		{"unknown code", ad("999"), ErrInvalidCredentials},
		{"plain 49", &goldap.Error{ResultCode: 49, Err: errors.New("")}, ErrInvalidCredentials},
		{"strong auth", &goldap.Error{ResultCode: 8, Err: errors.New("BindSimple: Transport encryption required.")}, ErrUnavailable},
		{"network", &goldap.Error{ResultCode: goldap.ErrorNetwork, Err: errors.New("conn closed")}, ErrUnavailable},
		{"busy", &goldap.Error{ResultCode: goldap.LDAPResultBusy, Err: errors.New("")}, ErrUnavailable},
		{"empty password", &goldap.Error{ResultCode: goldap.ErrorEmptyPassword, Err: errors.New("")}, ErrInvalidCredentials},
		{"no answer", errors.New("unable to read LDAP response packet: i/o timeout"), ErrUnavailable},
		// an answer with another code is about this bind, not an outage:
		// counted by the gateway's back-off
		{"invalid DN syntax", &goldap.Error{ResultCode: goldap.LDAPResultInvalidDNSyntax, Err: errors.New("")}, ErrInvalidCredentials},
		{"other", &goldap.Error{ResultCode: goldap.LDAPResultOther, Err: errors.New("")}, ErrInvalidCredentials},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := classifyBind(`EXAMPLE\bob`, tc.err)
			if !errors.Is(got, tc.want) {
				t.Fatalf("classifyBind = %v, want %v", got, tc.want)
			}
		})
	}
	if c := ADDataCode("AcceptSecurityContext error, data 775, v1db1"); c != "775" {
		t.Errorf("ADDataCode = %q", c)
	}
	if c := ADDataCode("no code here, database"); c != "" {
		t.Errorf("ADDataCode = %q, want empty", c)
	}
}

func TestConfigValidation(t *testing.T) {
	bad := []Config{
		{},
		{URL: "http://x", BaseDN: "dc=x"},
		{URL: "ldaps://x", StartTLS: true, BaseDN: "dc=x"},
		{URL: "ldap://x", BaseDN: "not a dn"},
		{URL: "ldap://x", BaseDN: "dc=x", BindDN: "cn=a"},
		{URL: "ldap://x", BaseDN: "ou=x", AD: true},
		{URL: "ldap://x", BaseDN: "dc=x", CACertPEM: []byte("junk")},
	}
	for _, cfg := range bad {
		if _, err := New(cfg); err == nil {
			t.Errorf("New(%+v) accepted a bad config", cfg)
		}
	}
	d, err := New(Config{URL: "ldap://127.0.0.1", BaseDN: "DC=example,DC=test", AD: true})
	if err != nil {
		t.Fatal(err)
	}
	if d.cfg.Domain != "EXAMPLE" || d.cfg.Realm != "example.test" {
		t.Errorf("defaults: domain %q realm %q", d.cfg.Domain, d.cfg.Realm)
	}
}

func TestNameFilterEscapes(t *testing.T) {
	ad, _ := New(Config{URL: "ldap://127.0.0.1", BaseDN: "DC=example,DC=test", AD: true})
	lp, _ := New(Config{URL: "ldap://127.0.0.1", BaseDN: "dc=example,dc=test"})
	tests := []struct {
		d          *Directory
		kind       Kind
		name, want string
	}{
		{lp, KindUser, "*)(uid=*", "(uid=\\2a\\29\\28uid=\\2a)"},
		{ad, KindUser, `EXAMPLE\bob`, "(sAMAccountName=bob)"},
		{ad, KindUser, "bob@example.test", "(|(userPrincipalName=bob@example.test)(sAMAccountName=bob))"},
		{ad, KindUser, "bob@other.test", "(userPrincipalName=bob@other.test)"},
		{ad, KindUser, "*@example.test", `(|(userPrincipalName=\2a@example.test)(sAMAccountName=\2a))`},
		{ad, KindComputer, "srv1", "(sAMAccountName=srv1$)"},
		{ad, KindComputer, "srv1.example.test", "(dNSHostName=srv1.example.test)"},
		{ad, KindGroup, `BUILTIN\Users`, "(sAMAccountName=Users)"},
		{ad, KindUser, "S-1-5-18", `(objectSid=\01\01\00\00\00\00\00\05\12\00\00\00)`},
	}
	for _, tc := range tests {
		got, err := tc.d.nameMatch(tc.kind, tc.name)
		if err != nil || got != tc.want {
			t.Errorf("nameMatch(%s, %q) = %q, %v; want %q", tc.kind, tc.name, got, err, tc.want)
		}
	}
	for _, bad := range []string{"", "a\x00b", string(make([]byte, 600)), `OTHER\bob`} {
		if f, err := ad.nameFilter(KindUser, bad); !errors.Is(err, ErrNotFound) {
			t.Errorf("nameFilter(%q) = %q, %v; want ErrNotFound", bad, f, err)
		}
	}
}
