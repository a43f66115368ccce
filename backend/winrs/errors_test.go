package winrs

import (
	"errors"
	"strings"
	"testing"

	"github.com/psgate/psgate/backend/wsman"
)

// classify keeps this package's categories and hands the rest to
// wsman.Classify (wsman's tests cover those).
func TestClassify(t *testing.T) {
	for _, err := range []error{ErrConfigurationNotSupported, ErrClosed, &FaultError{Status: 401}} {
		got := classify("op", err)
		if !errors.Is(got, err) || !strings.HasPrefix(got.Error(), "op: ") {
			t.Errorf("classify(%v) = %v", err, got)
		}
	}
	if !errors.Is(classify("op", &FaultError{Status: 401}), ErrInvalidCredentials) {
		t.Error("a 401 is not ErrInvalidCredentials")
	}
	if classify("op", nil) != nil {
		t.Fatal("classify(nil) != nil")
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
		is      error
	}{
		{"ok negotiate http", Config{Endpoint: wsman.Endpoint{Host: "h", Username: "u"}}, "", nil},
		{"default configuration ok", Config{Endpoint: wsman.Endpoint{Host: "h", Username: "u"}, ConfigurationName: "microsoft.powershell"}, "", nil},
		{"jea refused", Config{Endpoint: wsman.Endpoint{Host: "h", Username: "u"}, ConfigurationName: "JEA.Maintenance"}, `configuration "JEA.Maintenance"`, ErrConfigurationNotSupported},
		{"endpoint and codepage at once", Config{Codepage: 437}, "host: empty\nusername: empty\ncodepage 437", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.cfg
			c.setDefaults()
			err := c.validate()
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("validate: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("validate = %v, want %q", err, tt.wantErr)
			}
			if tt.is != nil && !errors.Is(err, tt.is) {
				t.Fatalf("validate = %v, not %v", err, tt.is)
			}
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	c := Config{Endpoint: wsman.Endpoint{Host: "h", Username: "u"}}
	c.setDefaults()
	if c.Codepage != 65001 || c.Port != 5985 || c.Auth != "negotiate" {
		t.Fatalf("defaults: %+v", c)
	}
}
