package winrmsim

import "errors"

var (
	errNoEnvelope = errors.New("no SOAP envelope")
	// ErrConfig is returned by NewServer for an invalid Config.
	ErrConfig = errors.New("invalid simulator config")
)

var errNoInitPool = errors.New("creationXml holds no INIT_RUNSPACEPOOL")
