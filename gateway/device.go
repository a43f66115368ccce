package gateway

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net/http"
	"time"
)

// A known device is a browser that signed in as a user before: it holds a
// cookie signed for that user (the same key as the sign-in form's tokens,
// shared by the gateways of one Redis). With it, the user's back-off does
// not apply while the device has failures of its own to spare
// (ThrottleConfig.DeviceFree), so that anyone who knows a user name cannot
// keep its owner signed out by failing on purpose; the address back-off
// and the device's own back-off still do. Nothing is stored server-side.
const (
	deviceCookie   = "__Host-psgate_device"
	deviceLifetime = 30 * 24 * time.Hour
	deviceMACBytes = 16
)

// deviceMAC signs a known device of user until expiry.
func (c *CSRF) deviceMAC(user string, expiry int64) []byte {
	m := hmac.New(sha256.New, c.signingKey())
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(expiry))
	m.Write([]byte("psgate known device\x00" + NormalizeUser(user) + "\x00"))
	m.Write(b[:])
	return m.Sum(nil)[:deviceMACBytes]
}

// DeviceCookie marks the browser as a known device of user (after a
// successful sign-in).
func (c *CSRF) DeviceCookie(user string, now time.Time) *http.Cookie {
	expiry := now.Add(deviceLifetime).Unix()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(expiry))
	v := base64.RawURLEncoding.EncodeToString(append(b[:], c.deviceMAC(user, expiry)...))
	return &http.Cookie{Name: deviceCookie, Value: v, Path: "/", Secure: true, HttpOnly: true,
		SameSite: http.SameSiteStrictMode, Expires: time.Unix(expiry, 0), MaxAge: int(deviceLifetime / time.Second)}
}

// KnownDevice returns the id of r's known-device cookie for user (its
// value), or "" when r has none, it is for another user or it expired.
func (c *CSRF) KnownDevice(r *http.Request, user string, now time.Time) string {
	ck, err := r.Cookie(deviceCookie)
	if err != nil {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(ck.Value)
	if err != nil || len(b) != 8+deviceMACBytes {
		return ""
	}
	expiry := int64(binary.BigEndian.Uint64(b[:8]))
	if now.Unix() > expiry || !hmac.Equal(b[8:], c.deviceMAC(user, expiry)) {
		return ""
	}
	return ck.Value
}
