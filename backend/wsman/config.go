package wsman

import (
	"context"
	"fmt"
)

// ResourceConfig is the resource URI of the WinRM service's configuration.
const ResourceConfig = "http://schemas.microsoft.com/wbem/wsman/1/config"

const nsConfig = ResourceConfig

// ServerConfig is the part of a target's WinRM configuration (a Get of
// ResourceConfig) a client sizes its requests by.
type ServerConfig struct {
	// MaxEnvelopeSizeKB bounds every envelope (pypsrp sizes PSRP fragments
	// from it: 150 KiB by default, 500 on newer hosts).
	MaxEnvelopeSizeKB int `xml:"MaxEnvelopeSizekb"`
	MaxTimeoutMS      int `xml:"MaxTimeoutms"`
	// MaxConcurrentOperationsPerUser and MaxShellsPerUser are the quotas
	// whose faults are ErrQuotaExceeded.
	MaxConcurrentOperationsPerUser int `xml:"Service>MaxConcurrentOperationsPerUser"`
	MaxShellsPerUser               int `xml:"Winrs>MaxShellsPerUser"`
	// IdleTimeoutMS is the winrs shells' default idle timeout.
	IdleTimeoutMS int `xml:"Winrs>IdleTimeout"`
}

// ParseConfig reads the cfg:Config of a GetResponse.
func ParseConfig(body []byte) (ServerConfig, error) {
	var c ServerConfig
	found, err := decodeFirst(body, nsConfig, "Config", &c)
	if err == nil && !found {
		err = fmt.Errorf("no cfg:Config: %w", ErrBadReply)
	}
	if err != nil {
		return c, fmt.Errorf("parsing config reply: %w", err)
	}
	return c, nil
}

// ServerConfig gets the target's WinRM configuration; o gives the header
// values (MaxEnvelopeSize, SessionID …; its ResourceURI is ignored).
// Reading it needs an administrator's rights.
func (c *Client) ServerConfig(ctx context.Context, o ShellOptions) (ServerConfig, error) {
	o.ResourceURI = ResourceConfig
	sh, err := c.newShell(o, "")
	if err != nil {
		return ServerConfig{}, err
	}
	reply, err := sh.post(ctx, "getting the server configuration", Get(sh.header()))
	if err != nil {
		return ServerConfig{}, err
	}
	return ParseConfig(reply)
}
