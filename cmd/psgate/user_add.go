package main

import (
	"fmt"

	"github.com/spf13/cobra"
)

func newUserAddCmd(e *env, uf *userFlags) *cobra.Command {
	var groups []string
	var fromStdin, bcrypt bool
	cmd := &cobra.Command{
		Use:   "add NAME [--group G]... [--password-stdin] [--bcrypt]",
		Short: "Add a local user",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			alg := "argon2id"
			if bcrypt {
				alg = "bcrypt"
			}
			s, err := openUsers(uf, true, alg)
			if err != nil {
				return err
			}
			pw, err := readNewPassword(e, fromStdin)
			if err != nil {
				return err
			}
			if err := s.Add(args[0], pw, groups); err != nil {
				return err
			}
			fmt.Fprintf(e.stdout, "user %s added to %s\n", args[0], usersFilePath(uf.file))
			return nil
		},
	}
	cmd.Flags().StringArrayVar(&groups, "group", nil, "a `group` of the user (repeatable)")
	cmd.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of stdin")
	cmd.Flags().BoolVar(&bcrypt, "bcrypt", false, "hash with bcrypt (cost 12) instead of argon2id")
	return cmd
}

func newUserRemoveCmd(e *env, uf *userFlags) *cobra.Command {
	return &cobra.Command{
		Use:   "remove NAME",
		Short: "Remove a local user (exit 1 when there is none)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			s, err := openUsers(uf, false, "")
			if err != nil {
				return err
			}
			if err := s.Remove(args[0]); err != nil {
				return notFound(e, err)
			}
			fmt.Fprintf(e.stdout, "user %s removed\n", args[0])
			return nil
		},
	}
}

func newUserPasswdCmd(e *env, uf *userFlags) *cobra.Command {
	var fromStdin, bcrypt bool
	cmd := &cobra.Command{
		Use:   "passwd NAME [--password-stdin] [--bcrypt]",
		Short: "Set a local user's password (exit 1 when there is no such user)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			alg := "argon2id"
			if bcrypt {
				alg = "bcrypt"
			}
			s, err := openUsers(uf, false, alg)
			if err != nil {
				return err
			}
			if _, err := s.Lookup(args[0]); err != nil {
				return notFound(e, err)
			}
			pw, err := readNewPassword(e, fromStdin)
			if err != nil {
				return err
			}
			if err := s.SetPassword(args[0], pw); err != nil {
				return notFound(e, err)
			}
			fmt.Fprintf(e.stdout, "password of %s changed\n", args[0])
			return nil
		},
	}
	cmd.Flags().BoolVar(&fromStdin, "password-stdin", false, "read the password from the first line of stdin")
	cmd.Flags().BoolVar(&bcrypt, "bcrypt", false, "hash with bcrypt (cost 12) instead of argon2id")
	return cmd
}
