package winrs

import (
	"errors"
	"fmt"
	"strings"

	"github.com/psgate/psgate/backend/wsman"
)

// Config says how to reach one target and with which credential (the
// wsman.Endpoint, whose fields it promotes: Host, Port, HTTPS, Auth,
// Username, Password, timeouts, Logger …) and what to open there. The zero
// values of the optional fields are replaced by the defaults documented on
// each field.
type Config struct {
	wsman.Endpoint
	// ConfigurationName must be "" or "Microsoft.PowerShell": WinRS cannot
	// enforce a session configuration, so any other value is refused.
	ConfigurationName string
	// Codepage of the shell (WINRS_CODEPAGE); only 65001 (UTF-8, default)
	// is supported because masterzen hard-codes it.
	Codepage int
}

const defaultConfiguration = "Microsoft.PowerShell"

func (c *Config) setDefaults() {
	c.Endpoint.SetDefaults()
	if c.Codepage == 0 {
		c.Codepage = 65001
	}
}

// validate reports every problem at once.
func (c *Config) validate() error {
	var errs []error
	if c.ConfigurationName != "" && !strings.EqualFold(c.ConfigurationName, defaultConfiguration) {
		errs = append(errs, fmt.Errorf("configuration %q: %w", c.ConfigurationName, ErrConfigurationNotSupported))
	}
	errs = append(errs, c.Endpoint.Validate())
	if c.Codepage != 65001 {
		errs = append(errs, fmt.Errorf("codepage %d: only 65001 is supported", c.Codepage))
	}
	return errors.Join(errs...)
}
