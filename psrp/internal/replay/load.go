package replay

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	"gopkg.in/yaml.v3"
)

// File is one recording: its exchanges in the order they happened.
type File struct {
	Path      string
	Exchanges []Exchange
}

// Exchange is one HTTP round trip. Response is nil when the recording has
// none (an HTTP error, a transport error or a timeout instead).
type Exchange struct {
	Index          int
	Request        *Envelope
	Response       *Envelope
	HTTPError      bool            // the recording's http_error
	TransportError *TransportError // the recording's transport_error
	Timeout        int             // the recording's timeout, in seconds
}

// TransportError is a non-200 HTTP reply; its body, if any, is Response.
type TransportError struct {
	Protocol string `yaml:"protocol"`
	Code     int    `yaml:"code"`
}

type rawFile struct {
	Messages []rawExchange `yaml:"messages"`
}

type rawExchange struct {
	Request        *string         `yaml:"request"`
	Response       *string         `yaml:"response"`
	HTTPError      bool            `yaml:"http_error"`
	TransportError *TransportError `yaml:"transport_error"`
	Timeout        int             `yaml:"timeout"`
}

// Load reads and parses a recording.
func Load(path string) (*File, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("loading recording: %w", err)
	}
	var raw rawFile
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("loading recording %s: %w: %w", path, err, ErrBadFixture)
	}
	f := &File{Path: path}
	for i, m := range raw.Messages {
		x, err := parseExchange(i, m)
		if err != nil {
			return nil, fmt.Errorf("loading recording %s: %w", filepath.Base(path), err)
		}
		f.Exchanges = append(f.Exchanges, x)
	}
	return f, nil
}

func parseExchange(i int, m rawExchange) (Exchange, error) {
	x := Exchange{Index: i, HTTPError: m.HTTPError, TransportError: m.TransportError, Timeout: m.Timeout}
	if m.Request == nil {
		return x, fmt.Errorf("exchange %d: no request: %w", i, ErrBadFixture)
	}
	var err error
	if x.Request, err = ParseEnvelope(*m.Request); err != nil {
		return x, fmt.Errorf("exchange %d request: %w", i, err)
	}
	if m.Response != nil && *m.Response != "" {
		if x.Response, err = ParseEnvelope(*m.Response); err != nil {
			return x, fmt.Errorf("exchange %d response: %w", i, err)
		}
	}
	return x, nil
}

// Glob loads every recording in dir matching pattern (filepath.Match
// syntax), in name order.
func Glob(dir, pattern string) ([]*File, error) {
	paths, err := filepath.Glob(filepath.Join(dir, pattern))
	if err != nil {
		return nil, fmt.Errorf("listing recordings %s in %s: %w", pattern, dir, err)
	}
	var out []*File
	for _, p := range paths {
		f, err := Load(p)
		if err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, nil
}
