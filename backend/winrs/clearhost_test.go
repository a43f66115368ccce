package winrs

import "testing"

func TestClearHost(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
	}{
		{"cls", clearHostScript},
		{"  Clear-Host;\r\n", clearHostScript},
		{"CLEAR", clearHostScript},
		{"cls; dir", "cls; dir"},
		{"Get-Date", "Get-Date"},
		{"'cls'", "'cls'"},
	} {
		if got := clearHost(tc.in); got != tc.want {
			t.Errorf("clearHost(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}
