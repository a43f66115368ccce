package gateway

import (
	"fmt"
	"testing"
	"time"
)

// TestNormalizeUserFoldsDNs: every spelling of a DN names the same throttle
// key as the account name, so a guesser cannot get fresh free failures by
// re-spelling the DN.
func TestNormalizeUserFoldsDNs(t *testing.T) {
	for _, u := range []string{
		"alice", `EXAMPLE\Alice`, "alice@example.test",
		"uid=alice,ou=people,dc=example,dc=test",
		"UID=Alice,OU=People,DC=example,DC=test",
		"uid = alice , ou=people,dc=example,dc=test",
		`uid=ali\63e,ou=people,dc=example,dc=test`,
		`uid=\41lice,ou=people,dc=example,dc=test`,
		`uid=al\ice,ou=people`,
		"uid=alice+cn=x,ou=people",
	} {
		if got := NormalizeUser(u); got != "alice" {
			t.Errorf("NormalizeUser(%q) = %q, want alice", u, got)
		}
	}
	if got := NormalizeUser(`cn=Smith\, John,ou=people`); got != "smith, john" {
		t.Errorf("escaped comma: %q", got)
	}
}

// TestThrottleDNSpellingsShareKey: after the free failures as "alice", a DN
// of alice is throttled too.
func TestThrottleDNSpellingsShareKey(t *testing.T) {
	th := NewThrottle(ThrottleConfig{UserFree: 3, IPFree: 1000})
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for i := range 4 {
		th.fail([]string{"alice", "uid=alice,ou=people,dc=x", "UID=ALICE,dc=x", `uid=ali\63e,dc=x`}[i], "192.0.2.1", "", now)
	}
	if ok, _, _ := check(th, "uid=Alice, ou=people,dc=x", "192.0.2.9", now); ok {
		t.Error("a re-spelled DN got past the user back-off")
	}
}

// TestThrottleIPv6Prefix: failures from many addresses of one IPv6 /64
// count as one address; another /64 is not affected.
func TestThrottleIPv6Prefix(t *testing.T) {
	th := NewThrottle(ThrottleConfig{UserFree: 1000, IPFree: 20})
	now := time.Date(2026, 11, 27, 12, 0, 0, 0, time.UTC)
	for i := range 21 {
		th.fail(fmt.Sprintf("user%d", i), fmt.Sprintf("2001:db8:1:2::%x", i+1), "", now)
	}
	if ok, which, _ := check(th, "someone", "2001:db8:1:2:ffff::1", now); ok || which != "address" {
		t.Errorf("another address of the /64: ok=%v which=%q, want refused by address", ok, which)
	}
	if ok, _, _ := check(th, "someone", "2001:db8:1:3::1", now); !ok {
		t.Error("a different /64 was refused")
	}
}

// TestNormalizeUserFoldsLikeTheDirectory: slapd and AD compare names with
// Unicode normalisation and case folding, so ａｌｉｃｅ (fullwidth), ALİCE
// spellings and ligatures that the directory matches to alice must share
// alice's throttle key; otherwise each spelling gets fresh free failures
// and together they lock the account (issue 12 #2).
func TestNormalizeUserFoldsLikeTheDirectory(t *testing.T) {
	for _, u := range []string{
		"ａｌｉｃｅ", "ＡＬＩＣＥ", `EXAMPLE\ａｌｉｃｅ`, "ａｌｉｃｅ@example.test",
		"uid=ａｌｉｃｅ,ou=people,dc=example,dc=test", "ALICE", "Alice",
	} {
		if got := NormalizeUser(u); got != "alice" {
			t.Errorf("NormalizeUser(%q) = %q, want alice", u, got)
		}
	}
	if got := NormalizeUser("ﬁona"); got != "fiona" { // U+FB01 ligature, NFKC
		t.Errorf("ligature: %q, want fiona", got)
	}
	if got := NormalizeUser("STRASSE"); got != NormalizeUser("straße") { // full case folding
		t.Errorf("ß: %q vs %q", NormalizeUser("STRASSE"), NormalizeUser("straße"))
	}
	th := NewThrottle(ThrottleConfig{UserFree: 3, IPFree: 1000})
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	for _, u := range []string{"alice", "ａｌｉｃｅ", "ＡＬＩＣＥ", "Ａlice"} {
		th.fail(u, "192.0.2.1", "", now)
	}
	if ok, _, _ := check(th, "ａｌｉｃｅ", "192.0.2.9", now); ok {
		t.Error("a fullwidth spelling escaped alice's back-off")
	}
}
