package authz

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden files")

// golden compares got with testdata/name, rewriting it under -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", name, diff)
	}
}

func TestDecodePSWAWritten(t *testing.T) {
	data, err := os.ReadFile("testdata/pswa-written.xml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	want := []Rule{
		{ID: 0, Name: "LocalAccess", User: "S-1-5-21-2060140782-413147150-3867729616-500", UserType: UserAccount,
			Destination: "DMZ-Web", DestinationType: DestinationComputer, ConfigurationName: "microsoft.powershell",
			IsUserGroupLocal: true},
		{ID: 1, Name: "Helpdesk to web servers", User: helpSID, UserType: UserGroup, Destination: webSrvsSID,
			DestinationType: DestinationComputerGroup, ConfigurationName: "PswaEndpoint", IsCanonicalDestinationSID: true},
		{ID: 3, Name: "Alice to SRV2", User: aliceSID, UserType: UserAccount, Destination: srv2SID,
			DestinationType: DestinationComputer, ConfigurationName: "*", IsCanonicalDestinationSID: true},
		{ID: 2, Name: "Everyone to the restricted endpoint", User: "*", UserType: UserAll, Destination: "*",
			DestinationType: DestinationAll, ConfigurationName: "PswaEndpoint"},
		{ID: 4, Name: "Operators to an IPv6 host", User: "S-1-5-21-2060140782-413147150-3867729616-1010",
			UserType: UserGroup, Destination: "2001:db8::15", DestinationType: DestinationComputer,
			ConfigurationName: "Microsoft.PowerShell", IsUserGroupLocal: true},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Fatalf("decoded (-want +got):\n%s", diff)
	}
	var out bytes.Buffer
	if err := Encode(&out, got); err != nil {
		t.Fatal(err)
	}
	golden(t, "pswa-written.golden.xml", out.Bytes())
	again, err := Decode(&out)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, again); diff != "" {
		t.Errorf("round trip (-first +second):\n%s", diff)
	}

	// The same file as Windows writes it: BOM and CRLF.
	win := append([]byte("\ufeff"), bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))...)
	if _, ok := fastDecode(win); ok {
		t.Error("fast path accepted raw CRLF")
	}
	fromWin, err := Decode(bytes.NewReader(win))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(got, fromWin); diff != "" {
		t.Errorf("BOM+CRLF file (-want +got):\n%s", diff)
	}

	// The SID rules evaluate against a resolved domain caller.
	p := NewPolicy(got, testOpts)
	d := p.Decide(Request{
		Caller: Caller{Principal: Principal{Name: `EXAMPLE\alice`, SID: aliceSID},
			Groups: []Principal{{Name: `EXAMPLE\helpdesk`, SID: helpSID}}, Resolved: true},
		Target: Target{Name: "web7.example.test", SID: "S-1-5-21-1004336348-1177238915-682003330-2107",
			Groups: []Principal{{Name: `EXAMPLE\WebServers`, SID: webSrvsSID}}, Resolved: true},
		Configuration: "PswaEndpoint"})
	if diff := cmp.Diff([]int{1, 2}, ids(d.Matched)); diff != "" {
		t.Errorf("matched (-want +got):\n%s", diff)
	}
}

func TestEncodeEmptyAndEscapes(t *testing.T) {
	var out bytes.Buffer
	rs := []Rule{{ID: 7, Name: `a <b> & "c"`, User: `EXAMPLE\o'neil`, UserType: UserAccount,
		Destination: "srv&1", DestinationType: DestinationComputer, ConfigurationName: ""}}
	if err := Encode(&out, rs); err != nil {
		t.Fatal(err)
	}
	golden(t, "escapes.golden.xml", out.Bytes())
	got, err := Decode(&out)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(rs, got); diff != "" {
		t.Errorf("round trip (-want +got):\n%s", diff)
	}
	out.Reset()
	if err := Encode(&out, nil); err != nil {
		t.Fatal(err)
	}
	golden(t, "empty.golden.xml", out.Bytes())
	if got, err := Decode(&out); err != nil || len(got) != 0 {
		t.Errorf("empty: %v, %v", got, err)
	}
}

func TestDecodeErrors(t *testing.T) {
	const okRule = `<Id>5</Id><Name>n</Name><UserCanonicalForm>D\u</UserCanonicalForm><UserType>User</UserType>` +
		`<DestinationCanonicalForm>srv</DestinationCanonicalForm><DestinationType>Computer</DestinationType>` +
		`<ConfigurationName>*</ConfigurationName>`
	wrap := func(rule string) string { return "<Rules><Rule>" + rule + "</Rule></Rules>" }
	tests := []struct {
		name, doc string
		sentinel  error
		want      string // substring of the message
	}{
		{"empty document", "", ErrSyntax, "empty document"},
		{"not xml", "hello", ErrSyntax, "unexpected text"},
		{"wrong root", "<Rulez/>", ErrSyntax, "root element is not <Rules>"},
		{"unknown element in Rules", "<Rules><Foo/></Rules>", ErrSyntax, "element <Foo>"},
		{"unknown element in Rule", wrap(okRule + "<Colour>red</Colour>"), ErrSyntax, "rule 5: element <Colour>: malformed rules file: unknown element in <Rule>"},
		{"bad UserType", wrap(strings.Replace(okRule, ">User<", ">Usr<", 1)), ErrBadValue, `rule 5: element <UserType> value "Usr"`},
		{"bad DestinationType", wrap(strings.Replace(okRule, ">Computer<", ">Host<", 1)), ErrBadValue, `rule 5: element <DestinationType> value "Host"`},
		{"bad boolean", wrap(okRule + "<IsUserGroupLocal>yes</IsUserGroupLocal>"), ErrBadValue, `rule 5: element <IsUserGroupLocal> value "yes"`},
		{"bad Id", wrap(strings.Replace(okRule, "<Id>5", "<Id>five", 1)), ErrBadValue, `rule five: element <Id> value "five"`},
		{"negative Id", wrap(strings.Replace(okRule, "<Id>5", "<Id>-1", 1)), ErrBadValue, `element <Id> value "-1"`},
		{"missing element", wrap(strings.Replace(okRule, "<ConfigurationName>*</ConfigurationName>", "", 1)), ErrSyntax, "rule 5: element <ConfigurationName>: malformed rules file: missing element"},
		{"duplicate element", wrap(okRule + "<Name>x</Name>"), ErrSyntax, "rule 5: element <Name>: malformed rules file: element appears twice"},
		{"duplicate Id", "<Rules><Rule>" + okRule + "</Rule><Rule>" + okRule + "</Rule></Rules>", ErrBadValue, `rule 5: element <Id> value "5": bad value: duplicate Id`},
		{"partial wildcard user", wrap(strings.Replace(okRule, `D\u<`, `D\u*<`, 1)), ErrPartialWildcard, `rule 5: UserCanonicalForm "D\\u*"`},
		{"All with a name", wrap(strings.Replace(okRule, ">User<", ">All<", 1)), ErrBadValue, `rule 5: bad value: UserCanonicalForm "D\\u" with type All`},
		{"star without All", wrap(strings.Replace(okRule, ">srv<", ">*<", 1)), ErrBadValue, `DestinationCanonicalForm "*" needs type All`},
		{"SID flag on a name", wrap(okRule + "<IsCanonicalDestinationSid>true</IsCanonicalDestinationSid>"), ErrBadValue, `IsCanonicalDestinationSid is true but DestinationCanonicalForm "srv"`},
		{"nested element in value", wrap(strings.Replace(okRule, "<Name>n</Name>", "<Name><b>n</b></Name>", 1)), ErrSyntax, "element <Name>: malformed rules file: unexpected element <b>"},
		{"truncated", "<Rules><Rule><Id>5</Id>", ErrSyntax, "rule 5: malformed rules file"},
		{"content after root", "<Rules/><Rules/>", ErrSyntax, "content after </Rules>"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Decode(strings.NewReader(tc.doc))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, tc.sentinel) {
				t.Errorf("error %q is not %v", err, tc.sentinel)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Errorf("error %q is not a *ParseError", err)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not contain %q", err, tc.want)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	for _, name := range []string{"pswa-written.xml", "escapes.golden.xml", "empty.golden.xml"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("<Rules><Rule><Id>1</Id></Rule></Rules>"))
	f.Add([]byte("\ufeff<?xml version=\"1.0\"?><Rules>\n<Rule><Id>1</Id><Name>a&#xD;&amp;b</Name><UserCanonicalForm>*</UserCanonicalForm>" +
		"<UserType>All</UserType><DestinationCanonicalForm>*</DestinationCanonicalForm><DestinationType>All</DestinationType>" +
		"<ConfigurationName /></Rule></Rules>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// The fast path must agree with encoding/xml whenever it accepts.
		if fast, ok := fastDecode(data); ok {
			slow, err := slowDecode(data)
			if err != nil {
				t.Fatalf("fast path accepted what encoding/xml rejects: %v", err)
			}
			if diff := cmp.Diff(slow, fast, cmpEmpty); diff != "" {
				t.Fatalf("fast path differs (-slow +fast):\n%s", diff)
			}
		}
		rs, err := Decode(bytes.NewReader(data))
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			return
		}
		if err := checkRules(rs); err != nil {
			t.Fatalf("decoded rules do not validate: %v", err)
		}
		var out bytes.Buffer
		if err := Encode(&out, rs); err != nil {
			t.Fatal(err)
		}
		again, err := Decode(&out)
		if err != nil {
			t.Fatalf("re-decoding our own output: %v\n%s", err, out.String())
		}
		if diff := cmp.Diff(rs, again, cmpEmpty); diff != "" {
			t.Fatalf("round trip (-first +second):\n%s", diff)
		}
		NewPolicy(rs, testOpts).Explain(Request{Caller: caller(`D\u`, `D\g`), Target: Target{Name: "srv"}})
	})
}
