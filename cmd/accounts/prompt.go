package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"
)

// promptPassword asks for a password twice, hidden, on a terminal (as
// click's password_option does); otherwise it reads one line from stdin.
func (e *env) promptPassword() (string, error) {
	if f, ok := e.stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		first, err := readHidden(f, e, "Password: ")
		if err != nil {
			return "", err
		}
		second, err := readHidden(f, e, "Repeat for confirmation: ")
		if err != nil {
			return "", err
		}
		if first != second {
			return "", usagef("The two entered values do not match.")
		}
		return first, nil
	}
	line, err := bufio.NewReader(e.stdin).ReadString('\n')
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		if err != nil {
			return "", usagef("No password given: use --password, or pipe one line to standard input.")
		}
		return "", usagef("The password is empty.")
	}
	return line, nil
}

func readHidden(f *os.File, e *env, prompt string) (string, error) {
	fmt.Fprint(e.stderr, prompt)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", fmt.Errorf("read password: %w", err)
	}
	return string(b), nil
}
