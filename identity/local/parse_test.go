package local

import (
	"errors"
	"strings"
	"testing"
)

const goodHash = "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0$hk3MNnowk+g5FQ6vidVZOiILjdY2VIE9DQlZfnbESyo"

func TestParse(t *testing.T) {
	tests := []struct {
		name, in, wantErr string
	}{
		{"empty file", "", ""},
		{"ok", "users:\n  - name: a\n    hash: " + goodHash + "\n    groups: [g]\n", ""},
		{"bcrypt", "users:\n  - name: a\n    hash: $2a$04$rZt8LvIDVnKeFvGJuxRtuep0hmJ4dcTeYf2hTFcFzTUz6.6mAZUvu\n", ""},
		{"unknown key", "users:\n  - name: a\n    hash: " + goodHash + "\n    admin: true\n", "field admin not found"},
		{"unknown top key", "people: []\n", "field people not found"},
		{"duplicate", "users:\n  - {name: a, hash: '" + goodHash + "'}\n  - {name: A, hash: '" + goodHash + "'}\n", "entry 2: duplicate user"},
		{"plain text hash", "users:\n  - {name: a, hash: hunter2}\n", "entry 1 (user \"a\")"},
		{"huge memory", "users:\n  - {name: a, hash: '$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHRzYWx0$hk3MNnowk+g5FQ6vidVZOiILjdY2VIE9DQlZfnbESyo'}\n", "out of range"},
		{"bad name", "users:\n  - {name: 'a b', hash: '" + goodHash + "'}\n", "invalid name"},
		{"bad group", "users:\n  - {name: a, hash: '" + goodHash + "', groups: ['*']}\n", "group name \"*\""},
		{"not yaml", "users: [\n", "invalid users file"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse("f.yaml", []byte(tc.in))
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("parse: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Fatalf("parse error = %v, want it to contain %q", err, tc.wantErr)
			}
			if !errors.Is(err, ErrInvalidFile) && !errors.Is(err, ErrInvalidName) {
				t.Errorf("error %v is neither ErrInvalidFile nor ErrInvalidName", err)
			}
		})
	}
}

func TestVerifyKnownHash(t *testing.T) {
	if !verify(goodHash, "password") {
		t.Error("known argon2id hash of \"password\" did not verify")
	}
	if !verify("$2a$04$rZt8LvIDVnKeFvGJuxRtuep0hmJ4dcTeYf2hTFcFzTUz6.6mAZUvu", "password") {
		t.Error("known bcrypt hash of \"password\" did not verify")
	}
	if verify(goodHash, "Password") {
		t.Error("wrong password verified")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("users:\n  - name: a\n    hash: " + goodHash + "\n"))
	f.Add([]byte("users: [{name: a, hash: '$2a$04$rZt8LvIDVnKeFvGJuxRtuep0hmJ4dcTeYf2hTFcFzTUz6.6mAZUvu'}]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		users, err := parse("fuzz", data)
		if err != nil {
			return
		}
		out, err := encode(users)
		if err != nil {
			t.Fatalf("encode of parsed users: %v", err)
		}
		if _, err := parse("again", out); err != nil {
			t.Fatalf("re-parse of encoded users: %v\n%s", err, out)
		}
	})
}
