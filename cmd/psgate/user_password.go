package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// readNewPassword reads a new password from stdin: the first line with
// --password-stdin, else a prompt on stderr asking twice (echo off when
// stdin is a terminal).
func readNewPassword(e *env, fromStdin bool) (string, error) {
	r := bufio.NewReader(e.stdin)
	if fromStdin {
		return readLine(r)
	}
	restore := noEcho(e.stdin)
	defer restore()
	fmt.Fprint(e.stderr, "New password: ")
	pw, err := readLine(r)
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", err
	}
	fmt.Fprint(e.stderr, "Repeat password: ")
	again, err := readLine(r)
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", err
	}
	if pw != again {
		return "", errors.New("reading password: the two entries differ")
	}
	return pw, nil
}

func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil && (!errors.Is(err, io.EOF) || line == "") {
		return "", fmt.Errorf("reading password from stdin: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// noEcho turns terminal echo off when in is a terminal and returns the
// function that turns it back on.
func noEcho(in io.Reader) func() {
	f, ok := in.(*os.File)
	if !ok {
		return func() {}
	}
	return setEcho(f)
}
