package mfa

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"net/url"

	"github.com/pquerna/otp"

	"github.com/psgate/psgate/identity"
)

// Need is what a user must do after the password.
type Need int

// The needs.
const (
	NeedNone  Need = iota // nothing: the policy asks no second factor of them
	NeedCode              // a code of an enrolled factor (or a recovery code)
	NeedEnrol             // required but not enrolled: enrol a TOTP factor now
)

// Gate is the sign-in's view of the policy and the store (the gateway's
// SecondFactor, adapted in cmd/psgate).
type Gate struct {
	Store  *Store
	Policy Policy
	// EnrolmentCodeRequired makes an enrolment need the admin's one-time
	// code (psgate mfa issue-enrolment-code), so that a stolen password
	// alone cannot enrol an attacker's app.
	EnrolmentCodeRequired bool
}

// Need says what id must do: with any mode but off, a user with a factor
// is asked for it; one the policy requires and who has none enrols.
func (g *Gate) Need(id identity.Identity) Need {
	switch {
	case !g.Policy.Enabled():
		return NeedNone
	case g.Store.Enrolled(KeyOf(id)):
		return NeedCode
	case g.Policy.Required(id):
		return NeedEnrol
	}
	return NeedNone
}

// Verify checks a code of id; method is "totp" or "recovery".
func (g *Gate) Verify(ctx context.Context, id identity.Identity, code string) (string, error) {
	rec, err := g.Store.Verify(ctx, KeyOf(id), code)
	if err != nil {
		return "", err
	}
	if rec {
		return "recovery", nil
	}
	return KindTOTP, nil
}

// NewTOTP returns a fresh TOTP secret for id.
func (g *Gate) NewTOTP(id identity.Identity) (string, error) {
	k, err := NewTOTP(id.Name)
	if err != nil {
		return "", err
	}
	return k.Secret(), nil
}

// QR renders the otpauth:// URI of id's secret as a 200×200 PNG.
func (g *Gate) QR(id identity.Identity, secret string) ([]byte, error) {
	v := url.Values{"secret": {secret}, "issuer": {Issuer}, "period": {"30"}, "digits": {"6"}, "algorithm": {"SHA1"}}
	u := url.URL{Scheme: "otpauth", Host: "totp", Path: "/" + Issuer + ":" + id.Name, RawQuery: v.Encode()}
	k, err := otp.NewKeyFromURL(u.String())
	if err != nil {
		return nil, fmt.Errorf("mfa: TOTP key URI: %w", err)
	}
	img, err := k.Image(200, 200)
	if err != nil {
		return nil, fmt.Errorf("mfa: QR code: %w", err)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return nil, fmt.Errorf("mfa: QR code: %w", err)
	}
	return b.Bytes(), nil
}

// Enrol adds id's TOTP factor of secret, proven by code (and adminCode
// when EnrolmentCodeRequired); it returns the recovery codes to show once.
// A user who already has a factor cannot enrol this way (the sign-in asks
// for a code instead).
func (g *Gate) Enrol(ctx context.Context, id identity.Identity, secret, code, adminCode string) ([]string, error) {
	key := KeyOf(id)
	if secret == "" || g.Store.Enrolled(key) {
		return nil, ErrBadCode
	}
	return g.Store.EnrolTOTP(ctx, Enrolment{Key: key, Name: id.Name, Secret: secret, Code: code,
		AdminCode: adminCode, NeedAdminCode: g.EnrolmentCodeRequired, FirstOnly: true})
}

// NeedAdminCode reports whether an enrolment needs the admin's code.
func (g *Gate) NeedAdminCode() bool { return g.EnrolmentCodeRequired }
