package wsman

import (
	"errors"
	"testing"
)

func TestUnsealMalformed(t *testing.T) {
	hdr := sealBoundary + "\r\n\tContent-Type: " + sealProtocol + "\r\n"
	tests := []struct {
		name string
		body string
	}{
		{"empty", ""},
		{"no length", hdr + "\tOriginalContent: type=x\r\n" + sealBoundary + "\r\n" + sealOctetHeader + "xxxx" + sealBoundary + "--\r\n"},
		{"bad length", hdr + "\tOriginalContent: type=x;Length=zz\r\n" + sealBoundary + "\r\n" + sealOctetHeader + "xxxx"},
		{"short part", hdr + "\tOriginalContent: type=x;Length=3\r\n" + sealBoundary + "\r\n" + sealOctetHeader + "xx"},
		{"signature past end", hdr + "\tOriginalContent: type=x;Length=3\r\n" + sealBoundary + "\r\n" + sealOctetHeader + "\xff\x00\x00\x00abc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// A nil session is never reached: the framing is checked first.
			if _, err := unsealBody(nil, []byte(tt.body)); !errors.Is(err, errSealFormat) {
				t.Fatalf("unsealBody = %v, want errSealFormat", err)
			}
		})
	}
}
