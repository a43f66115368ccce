package winrs

import (
	"errors"
	"fmt"

	"github.com/psgate/psgate/backend/wsman"
)

// Error categories. Every error returned by Start, Send, Interrupt and Close
// that has a user-facing meaning wraps one of these around the full detail
// (for the audit log); classify with errors.Is. The first six are
// wsman's: the transport's categories.
var (
	ErrAccessDenied              = wsman.ErrAccessDenied
	ErrUnknownComputer           = wsman.ErrUnknownComputer
	ErrNoLogonServers            = wsman.ErrNoLogonServers
	ErrInvalidCredentials        = wsman.ErrInvalidCredentials
	ErrQuotaExceeded             = wsman.ErrQuotaExceeded
	ErrUnreachable               = wsman.ErrUnreachable
	ErrConfigurationNotSupported = errors.New("session configurations cannot be enforced over WinRS; only Microsoft.PowerShell is supported")
	// ErrClosed is returned by Send and Interrupt after Close or after the
	// remote PowerShell exited.
	ErrClosed = errors.New("console closed")
)

// FaultError is a non-200 reply of the target (wsman.FaultError).
type FaultError = wsman.FaultError

// classify is wsman.Classify knowing this package's own categories, whose
// text is always in the errors that carry them.
func classify(op string, err error) error {
	if errors.Is(err, ErrConfigurationNotSupported) || errors.Is(err, ErrClosed) {
		return fmt.Errorf("%s: %w", op, err)
	}
	return wsman.Classify(op, err)
}
