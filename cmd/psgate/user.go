package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/psgate/psgate/identity/local"
)

// defaultUsersFile is the built-in users file unless --users-file or
// PSGATE_USERS_FILE says otherwise.
const defaultUsersFile = "/etc/psgate/users.yaml"

// userFlags are the flags every user subcommand shares.
type userFlags struct {
	file string
}

// newUserCmd is `psgate user`: the gateway's local accounts.
func newUserCmd(e *env) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "user",
		Short: "Manage the gateway's local users (the built-in users file)",
		Long: `Manage local accounts of the gateway: a strict YAML file of users with
argon2id (default) or bcrypt password hashes and optional groups. Changes
are locked and atomic; a running gateway picks them up at the next sign-in.

Passwords are read from stdin: with --password-stdin the first line, else an
interactive prompt (no echo on a terminal). They are never taken from argv.`,
	}
	var uf userFlags
	cmd.PersistentFlags().StringVar(&uf.file, "users-file", "",
		"users `file` (default $PSGATE_USERS_FILE, else "+defaultUsersFile+")")
	cmd.AddCommand(
		newUserAddCmd(e, &uf),
		newUserRemoveCmd(e, &uf),
		newUserListCmd(e, &uf),
		newUserPasswdCmd(e, &uf),
	)
	return cmd
}

// usersFilePath returns --users-file, else $PSGATE_USERS_FILE, else the default.
func usersFilePath(flag string) string {
	if flag != "" {
		return flag
	}
	if v := os.Getenv("PSGATE_USERS_FILE"); v != "" {
		return v
	}
	return defaultUsersFile
}

// openUsers opens the users file; create allows a missing file (add).
func openUsers(uf *userFlags, create bool, algorithm string) (*local.Store, error) {
	return local.New(local.Config{Path: usersFilePath(uf.file), Create: create, Algorithm: algorithm})
}

// notFound prints why and turns ErrNotFound into the silent exit 1.
func notFound(e *env, err error) error {
	if errors.Is(err, local.ErrNotFound) {
		fmt.Fprintln(e.stderr, "psgate:", err)
		return errNo
	}
	return err
}
