package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/psgate/psgate/mfa"
)

// config is the gateway configuration (DESIGN.md §4). Unknown keys are
// errors; secrets come from files or environment variables only.
type config struct {
	Listen string    `yaml:"listen"`     // default 127.0.0.1:8443
	TLS    tlsConfig `yaml:"tls"`        // empty cert+key: self-signed at start
	Rules  string    `yaml:"rules_file"` // PSWA AuthorizationRuleFilePath
	// RulesMaxFileSize caps the rules file read (bytes); default 64 MiB
	// (100,000 rules are about 50 MB). A larger file is refused and the
	// last good rules stay in force.
	RulesMaxFileSize int64          `yaml:"rules_max_file_size"`
	Identity         identityConfig `yaml:"identity"`
	Sessions         sessionsConfig `yaml:"sessions"`
	Defaults         defaultsConfig `yaml:"defaults"`
	Portal           portalConfig   `yaml:"portal"`
	Store            storeConfig    `yaml:"store"`
	Audit            auditConfig    `yaml:"audit"`
	Admin            adminConfig    `yaml:"admin"`
	MFA              mfaConfig      `yaml:"mfa"`
	// TrustedProxies are CIDRs whose X-Forwarded-For is believed.
	TrustedProxies []string `yaml:"trusted_proxies"`
}

type tlsConfig struct {
	Cert              string `yaml:"cert"`
	Key               string `yaml:"key"`
	ClientCA          string `yaml:"client_ca"`
	RequireClientCert bool   `yaml:"require_client_cert"`
}

type identityConfig struct {
	Local *localIdentity `yaml:"local"`
	LDAP  *ldapIdentity  `yaml:"ldap"`
}

type localIdentity struct {
	UsersFile string `yaml:"users_file"`
}

type ldapIdentity struct {
	URL              string        `yaml:"url"`
	StartTLS         bool          `yaml:"start_tls"`
	CAFile           string        `yaml:"ca_file"`
	BindDN           string        `yaml:"bind_dn"`
	BindPasswordFile string        `yaml:"bind_password_file"`
	BindPasswordEnv  string        `yaml:"bind_password_env"`
	BaseDN           string        `yaml:"base_dn"`
	UserFilter       string        `yaml:"user_filter"`
	GroupFilter      string        `yaml:"group_filter"`
	ComputerFilter   string        `yaml:"computer_filter"`
	AD               bool          `yaml:"ad"`
	Domain           string        `yaml:"domain"`
	Realm            string        `yaml:"realm"`
	Timeout          time.Duration `yaml:"timeout"`
}

type sessionsConfig struct {
	MaxPerUser         int           `yaml:"max_per_user"`        // default 3
	IdleTimeout        time.Duration `yaml:"idle_timeout"`        // default 20m
	IdleWarning        time.Duration `yaml:"idle_warning"`        // default 5m
	DisconnectedBuffer int           `yaml:"disconnected_buffer"` // bytes, default 1 MiB
	MaxClients         int           `yaml:"max_clients"`         // browsers attached to one session, default 8
	Scrollback         int           `yaml:"scrollback"`          // bytes of screen restored on every attach, default 1 MiB, -1 none
	Lifetime           time.Duration `yaml:"lifetime"`            // sign-in cookie absolute lifetime, default 12h
}

type defaultsConfig struct {
	Port             int    `yaml:"port"`             // 5985
	SSLPort          int    `yaml:"ssl_port"`         // 5986
	ApplicationName  string `yaml:"application_name"` // WSMAN
	UseSSL           bool   `yaml:"use_ssl"`
	Authentication   string `yaml:"authentication"` // default
	AllowRedirection bool   `yaml:"allow_redirection"`
	Configuration    string `yaml:"configuration"` // Microsoft.PowerShell
}

type portalConfig struct {
	AllowFreeTarget *bool       `yaml:"allow_free_target"` // default true
	Published       []published `yaml:"published"`
}

type published struct {
	Name          string `yaml:"name"`
	Computer      string `yaml:"computer"`
	Port          int    `yaml:"port"`
	UseSSL        bool   `yaml:"use_ssl"`
	Configuration string `yaml:"configuration"`
	Description   string `yaml:"description"`
}

type storeConfig struct {
	Memory *struct{}    `yaml:"memory"`
	Redis  *redisConfig `yaml:"redis"`
}

type redisConfig struct {
	Addr         string `yaml:"addr"`
	PasswordFile string `yaml:"password_file"`
	PasswordEnv  string `yaml:"password_env"`
	DB           int    `yaml:"db"`
}

type auditConfig struct {
	File string `yaml:"file"` // "" or "-" = stdout
}

type adminConfig struct {
	Listen    string `yaml:"listen"`     // "" = no admin API
	TokenFile string `yaml:"token_file"` // required with listen
}

// mfaConfig is the second factor (docs/mfa.md).
type mfaConfig struct {
	// Mode: off (default), optional, required or required_for_groups.
	Mode string `yaml:"mode"`
	// RequiredForGroups names the groups (name, SID or DN) that must pass
	// a second factor with mode required_for_groups.
	RequiredForGroups []string `yaml:"required_for_groups"`
	// StoreFile is the factor file shared by the gateways; KeyFile holds
	// the 32-byte key (base64) that seals TOTP secrets, mode 0600 or 0640.
	StoreFile string `yaml:"store_file"`
	KeyFile   string `yaml:"key_file"`
	// EnrolmentCodeRequired makes an enrolment need an admin's one-time
	// code (psgate mfa issue-enrolment-code USER).
	EnrolmentCodeRequired bool `yaml:"enrolment_code_required"`
	// SecondStepTimeout is the absolute time limit between the password
	// and the second step; default 5m.
	SecondStepTimeout time.Duration `yaml:"second_step_timeout"`
}

// policy is the mfa package's Policy of the section.
func (m mfaConfig) policy() mfa.Policy {
	return mfa.Policy{Mode: mfa.Mode(m.Mode), Groups: m.RequiredForGroups}
}

var authTypes = map[string]bool{"default": true, "basic": true, "negotiate": true, "kerberos": true, "credssp": true}

// loadConfig reads path strictly and validates it, reporting every problem.
func loadConfig(path string) (*config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read config %s: %w", path, err)
	}
	return parseConfig(path, b)
}

func parseConfig(name string, b []byte) (*config, error) {
	var c config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("parse config %s: %w", name, err)
	}
	c.setDefaults()
	base := filepath.Dir(name)
	c.resolvePaths(base)
	if errs := c.validate(); len(errs) > 0 {
		return nil, fmt.Errorf("config %s: %w", name, errors.Join(errs...))
	}
	return &c, nil
}

func (c *config) setDefaults() {
	if c.Listen == "" {
		c.Listen = "127.0.0.1:8443"
	}
	s := &c.Sessions
	if s.MaxPerUser == 0 {
		s.MaxPerUser = 3
	}
	if s.IdleTimeout == 0 {
		s.IdleTimeout = 20 * time.Minute
	}
	if s.IdleWarning == 0 {
		s.IdleWarning = 5 * time.Minute
	}
	if s.DisconnectedBuffer == 0 {
		s.DisconnectedBuffer = 1 << 20
	}
	if s.Lifetime == 0 {
		s.Lifetime = 12 * time.Hour
	}
	d := &c.Defaults
	if d.Port == 0 {
		d.Port = 5985
	}
	if d.SSLPort == 0 {
		d.SSLPort = 5986
	}
	if d.ApplicationName == "" {
		d.ApplicationName = "WSMAN"
	}
	if d.Authentication == "" {
		d.Authentication = "default"
	}
	if d.Configuration == "" {
		d.Configuration = "Microsoft.PowerShell"
	}
	if c.Portal.AllowFreeTarget == nil {
		t := true
		c.Portal.AllowFreeTarget = &t
	}
	if c.MFA.Mode == "" {
		c.MFA.Mode = string(mfa.ModeOff)
	}
	if c.MFA.SecondStepTimeout == 0 {
		c.MFA.SecondStepTimeout = 5 * time.Minute
	}
	if c.Identity.LDAP != nil && c.Identity.LDAP.Timeout == 0 {
		c.Identity.LDAP.Timeout = 10 * time.Second
	}
}

// resolvePaths makes relative file names relative to the config file.
func (c *config) resolvePaths(base string) {
	abs := func(p *string) {
		if *p != "" && !filepath.IsAbs(*p) {
			*p = filepath.Join(base, *p)
		}
	}
	abs(&c.TLS.Cert)
	abs(&c.TLS.Key)
	abs(&c.TLS.ClientCA)
	abs(&c.Rules)
	abs(&c.Admin.TokenFile)
	abs(&c.MFA.StoreFile)
	abs(&c.MFA.KeyFile)
	if c.Identity.Local != nil {
		abs(&c.Identity.Local.UsersFile)
	}
	if l := c.Identity.LDAP; l != nil {
		abs(&l.CAFile)
		abs(&l.BindPasswordFile)
	}
	if r := c.Store.Redis; r != nil {
		abs(&r.PasswordFile)
	}
	if c.Audit.File != "-" {
		abs(&c.Audit.File)
	}
}

func (c *config) validate() []error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf(format, a...)) }
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		bad("listen %q: %w", c.Listen, err)
	}
	if (c.TLS.Cert == "") != (c.TLS.Key == "") {
		bad("tls: cert and key must be given together")
	}
	if c.TLS.RequireClientCert && c.TLS.ClientCA == "" {
		bad("tls.require_client_cert needs tls.client_ca")
	}
	if c.Rules == "" {
		bad("rules_file is required")
	}
	if c.RulesMaxFileSize < 0 {
		bad("rules_max_file_size %d: must be positive", c.RulesMaxFileSize)
	}
	switch {
	case c.Identity.Local == nil && c.Identity.LDAP == nil:
		bad("identity: one of local or ldap is required")
	case c.Identity.Local != nil && c.Identity.LDAP != nil:
		bad("identity: local and ldap are exclusive")
	case c.Identity.Local != nil && c.Identity.Local.UsersFile == "":
		bad("identity.local.users_file is required")
	case c.Identity.LDAP != nil:
		l := c.Identity.LDAP
		if !strings.HasPrefix(l.URL, "ldap://") && !strings.HasPrefix(l.URL, "ldaps://") {
			bad("identity.ldap.url %q: want ldap:// or ldaps://", l.URL)
		}
		if l.BaseDN == "" {
			bad("identity.ldap.base_dn is required")
		}
		if l.BindDN != "" && l.BindPasswordFile == "" && l.BindPasswordEnv == "" {
			bad("identity.ldap.bind_dn needs bind_password_file or bind_password_env")
		}
	}
	s := c.Sessions
	if s.MaxPerUser < 0 {
		bad("sessions.max_per_user %d: must be positive", s.MaxPerUser)
	}
	if s.IdleTimeout < 0 || s.IdleWarning < 0 || s.IdleWarning >= s.IdleTimeout {
		bad("sessions.idle_warning %s must be below idle_timeout %s", s.IdleWarning, s.IdleTimeout)
	}
	if s.MaxClients < 0 {
		bad("sessions.max_clients %d: must be positive", s.MaxClients)
	}
	if s.DisconnectedBuffer < 0 {
		bad("sessions.disconnected_buffer %d: must be positive", s.DisconnectedBuffer)
	}
	d := c.Defaults
	for k, p := range map[string]int{"defaults.port": d.Port, "defaults.ssl_port": d.SSLPort} {
		if p < 1 || p > 65535 {
			bad("%s %d: out of range 1-65535", k, p)
		}
	}
	if !authTypes[strings.ToLower(d.Authentication)] {
		bad("defaults.authentication %q: want default, basic, negotiate, kerberos or credssp", d.Authentication)
	}
	for i, p := range c.Portal.Published {
		if p.Name == "" || p.Computer == "" {
			bad("portal.published[%d]: name and computer are required", i)
		}
		if p.Port < 0 || p.Port > 65535 {
			bad("portal.published[%d].port %d: out of range", i, p.Port)
		}
	}
	if c.Store.Memory != nil && c.Store.Redis != nil {
		bad("store: memory and redis are exclusive")
	}
	if r := c.Store.Redis; r != nil && r.Addr == "" {
		bad("store.redis.addr is required")
	}
	if c.Admin.Listen != "" {
		if err := loopbackListen(c.Admin.Listen); err != nil {
			errs = append(errs, err)
		}
		if c.Admin.TokenFile == "" {
			bad("admin.listen needs admin.token_file")
		}
	}
	for _, p := range c.TrustedProxies {
		if _, _, err := net.ParseCIDR(p); err != nil {
			bad("trusted_proxies %q: %w", p, err)
		}
	}
	errs = append(errs, c.MFA.validate()...)
	return errs
}

func (m mfaConfig) validate() []error {
	var errs []error
	if err := m.policy().Validate(); err != nil {
		errs = append(errs, err)
	}
	if !m.policy().Enabled() {
		return errs
	}
	if m.StoreFile == "" {
		errs = append(errs, fmt.Errorf("mfa.store_file is required with mode %s", m.Mode))
	}
	if m.KeyFile == "" {
		errs = append(errs, fmt.Errorf("mfa.key_file is required with mode %s", m.Mode))
	}
	if m.SecondStepTimeout < 30*time.Second || m.SecondStepTimeout > time.Hour {
		errs = append(errs, fmt.Errorf("mfa.second_step_timeout %s: want 30s to 1h", m.SecondStepTimeout))
	}
	return errs
}
