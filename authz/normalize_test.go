package authz

import "testing"

func TestNormalizeTarget(t *testing.T) {
	tests := []struct{ in, want string }{
		{"SRV1.Example.Test.", "srv1.example.test"},
		{"  srv1  ", "srv1"},
		{"srv1:5985", "srv1"},
		{"https://SRV1.example.test:5986/wsman", "srv1.example.test"},
		{"http://user@srv1/wsman", "srv1"},
		{"http://[2001:db8::1]:5985/wsman", "2001:db8::1"},
		{"[2001:DB8::1]", "2001:db8::1"},
		{"[2001:db8::1]:5986", "2001:db8::1"},
		{"2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
		{"fe80::1%eth0", "fe80::1%eth0"},
		{"::ffff:192.0.2.1", "192.0.2.1"},
		{"192.0.2.1:5985", "192.0.2.1"},
		{"fe80--1s4.ipv6-literal.net", "fe80::1%4"},
		{"2001-db8--1.IPV6-LITERAL.NET.", "2001:db8::1"},
		{"localhost", "localhost"},
		{".", "."},
		{"web*", "web*"},
	}
	for _, tc := range tests {
		if got := NormalizeTarget(tc.in); got != tc.want {
			t.Errorf("NormalizeTarget(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNormalizeAccount(t *testing.T) {
	tests := []struct{ in, want string }{
		{`.\chris`, `PSWASERVER\chris`},
		{`LocalHost\chris`, `PSWASERVER\chris`},
		{`EXAMPLE\chris`, `EXAMPLE\chris`},
		{`chris`, `chris`},
		{`.\`, `.\`},
		{` .\chris `, `PSWASERVER\chris`},
	}
	for _, tc := range tests {
		if got := NormalizeAccount(tc.in, "PSWASERVER"); got != tc.want {
			t.Errorf("NormalizeAccount(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestIsSID(t *testing.T) {
	for s, want := range map[string]bool{
		"S-1-5-21-1-2-3-500": true, "s-1-5-18": true, "S-1": false, "S-1-": false, "S-1-5-x": false,
		"EXAMPLE\\alice": false, "": false, "S-1--5": false,
	} {
		if got := IsSID(s); got != want {
			t.Errorf("IsSID(%q) = %v", s, got)
		}
	}
}
