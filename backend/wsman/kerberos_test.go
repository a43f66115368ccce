package wsman

import (
	"errors"
	"fmt"
	"testing"

	"github.com/jcmturner/gokrb5/v8/krberror"
	"github.com/jcmturner/gokrb5/v8/messages"
)

// KDC errors as gokrb5 returns them (text only: its krberror keeps no type).
func TestKerberosKDCErrorCategories(t *testing.T) {
	for code, want := range map[int32]error{24: ErrInvalidCredentials, 6: ErrInvalidCredentials, 18: ErrInvalidCredentials,
		23: ErrInvalidCredentials, 7: ErrUnknownComputer, 12: ErrAccessDenied} {
		krbErr := messages.KRBError{ErrorCode: code}
		for _, op := range []string{"kerberos login of alice@EXAMPLE.TEST", "kerberos service ticket for HTTP/x"} {
			err := krbCategory(fmt.Errorf("%s: %v", op, krberror.Errorf(krbErr, krberror.KDCError, "AS Exchange Error")))
			if !errors.Is(err, want) {
				t.Errorf("KDC error %d (%s): %v, want %v", code, op, err, want)
			}
		}
	}
	// Other KDC errors stay uncategorised here; classify calls them "no logon servers".
	err := krbCategory(fmt.Errorf("x: %v", messages.KRBError{ErrorCode: 37})) // KRB_AP_ERR_SKEW
	if !errors.Is(Classify("creating shell", err), ErrNoLogonServers) {
		t.Errorf("clock skew: %v", Classify("creating shell", err))
	}
}
