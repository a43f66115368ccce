package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/psgate/psgate/audit"
	"github.com/psgate/psgate/gateway"
	"github.com/psgate/psgate/identity"
	"github.com/psgate/psgate/mfa"
)

// newMFACmd is `psgate mfa`: the second factors in the config's mfa.store_file.
func newMFACmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "mfa",
		Short: "Manage users' second factors (TOTP, recovery and enrolment codes)",
		Long: `Manage the second factors of the config's mfa.store_file (docs/mfa.md).

USER is the name as the gateway's identity provider knows it (local user,
LDAP uid, DOMAIN\name for AD: looked up in the directory for its SID or DN),
or a stored key as list shows it (local:NAME, sid:SID, dn:DN). Changes are
locked and atomic; every gateway sharing the file sees them at once, and
each is written to the audit log (4104).`,
	}
	cmd.AddCommand(newMFAListCmd(e), newMFAResetCmd(e), newMFAIssueCmd(e))
	return cmd
}

// secondFactor adapts mfa.Gate to the gateway's SecondFactor seam.
type secondFactor struct{ *mfa.Gate }

func (s secondFactor) Step(id identity.Identity) gateway.SecondStep {
	switch s.Need(id) {
	case mfa.NeedCode:
		return gateway.StepCode
	case mfa.NeedEnrol:
		return gateway.StepEnrol
	}
	return gateway.StepNone
}

// openMFAStore opens the config's factor file with its sealing key.
func openMFAStore(m mfaConfig, logger *slog.Logger) (*mfa.Store, error) {
	if m.StoreFile == "" || m.KeyFile == "" {
		return nil, errors.New("mfa: the config has no mfa.store_file and mfa.key_file")
	}
	key, err := mfa.ReadKeyFile(m.KeyFile)
	if err != nil {
		return nil, err
	}
	return mfa.OpenStore(mfa.StoreConfig{Path: m.StoreFile, Key: key, Logger: logger})
}

// mfaCLI is what the subcommands share: the config and its store.
type mfaCLI struct {
	cfg   *config
	store *mfa.Store
}

func openMFACLI(e *env) (*mfaCLI, error) {
	cfg, err := loadConfig(e.configPath)
	if err != nil {
		return nil, err
	}
	st, err := openMFAStore(cfg.MFA, slog.New(slog.NewTextHandler(e.stderr, nil)))
	if err != nil {
		return nil, err
	}
	return &mfaCLI{cfg: cfg, store: st}, nil
}

// openMFAUser opens the factor store and resolves user (see key).
func openMFAUser(ctx context.Context, e *env, user string) (m *mfaCLI, key, name string, err error) {
	if m, err = openMFACLI(e); err != nil {
		return nil, "", "", err
	}
	if key, name, err = m.key(ctx, user); err != nil {
		return nil, "", "", err
	}
	return m, key, name, nil
}

// key resolves USER to its stored key: a key as given, a record's name,
// else the identity provider's stable identity of the name.
func (m *mfaCLI) key(ctx context.Context, user string) (key, name string, err error) {
	for _, p := range []string{"local:", "sid:", "dn:"} {
		if strings.HasPrefix(user, p) {
			u, _ := m.store.Lookup(user)
			return user, u.Name, nil
		}
	}
	for k, u := range m.store.List() {
		if strings.EqualFold(u.Name, user) {
			return k, u.Name, nil
		}
	}
	if l := m.cfg.Identity.LDAP; l != nil {
		d, err := openDirectory(l)
		if err != nil {
			return "", "", err
		}
		defer d.Close()
		ent, err := d.Find(ctx, identity.KindUser, user)
		if err != nil {
			return "", "", fmt.Errorf("mfa: looking up %q: %w", user, err)
		}
		return mfa.KeyOf(identity.Identity{Name: ent.Name, SID: ent.SID, DN: ent.DN}), ent.Name, nil
	}
	return mfa.KeyOf(identity.Identity{Name: user}), user, nil
}

// audit writes an admin action to the config's audit file (stderr when the
// audit log is stdout: the command's own output stays clean).
func (m *mfaCLI) audit(e *env, rec audit.Record) error {
	var w io.Writer = e.stderr
	if f := m.cfg.Audit.File; f != "" && f != "-" {
		af, err := os.OpenFile(f, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			return fmt.Errorf("mfa: audit file: %w", err)
		}
		defer af.Close()
		w = af
	}
	rec.Event, rec.Time = audit.MFAReset, time.Now()
	return audit.NewLog(w, nil).Write(rec)
}
