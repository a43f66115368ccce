package mfa

import (
	"crypto/subtle"
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP parameters: RFC 6238's defaults, which every authenticator app reads.
const (
	Period = 30 // seconds
	Digits = otp.DigitsSix
	Skew   = 1 // steps either side of now
	Issuer = "psgate"
)

// NewTOTP returns a fresh TOTP key for account (the user's name, shown in
// the authenticator app).
func NewTOTP(account string) (*otp.Key, error) {
	k, err := totp.Generate(totp.GenerateOpts{Issuer: Issuer, AccountName: account, Period: Period, Digits: Digits})
	if err != nil {
		return nil, fmt.Errorf("mfa: generating a TOTP key: %w", err)
	}
	return k, nil
}

// checkTOTP returns the time step code is good for, within Skew steps of
// now and after lastStep (a code is good once: a step at or before the last
// one used is refused), or 0.
func checkTOTP(secret, code string, lastStep int64, now time.Time) int64 {
	if len(code) != int(Digits) {
		return 0
	}
	cur := now.Unix() / Period
	var found int64
	for step := cur - Skew; step <= cur+Skew; step++ {
		if step <= lastStep {
			continue
		}
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*Period, 0),
			totp.ValidateOpts{Period: Period, Digits: Digits, Algorithm: otp.AlgorithmSHA1})
		if err == nil && subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && found == 0 {
			found = step
		}
	}
	return found
}
