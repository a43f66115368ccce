package wsman

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
)

const quotaFault = `<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:w="http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd">` +
	`<s:Body><s:Fault><s:Code><s:Value>s:Receiver</s:Value><s:Subcode><s:Value>w:InternalError</s:Value></s:Subcode></s:Code>` +
	`<s:Reason><s:Text xml:lang="en-US">The WS-Management service cannot process the request.</s:Text></s:Reason>` +
	`<s:Detail><f:WSManFault xmlns:f="http://schemas.microsoft.com/wbem/wsman/1/wsmanfault" Code="2150859173" Machine="h">` +
	`<f:Message>This user has exceeded the maximum number of concurrent shells allowed for this plugin. &amp; more</f:Message></f:WSManFault></s:Detail></s:Fault></s:Body></s:Envelope>`

func TestParseFault(t *testing.T) {
	f := parseFault(500, quotaFault)
	if f.Code != 2150859173 {
		t.Fatalf("code = %d", f.Code)
	}
	if !strings.HasPrefix(f.Reason, "This user has exceeded") || !strings.HasSuffix(f.Reason, "& more") {
		t.Fatalf("reason = %q", f.Reason)
	}
	if !errors.Is(f, ErrQuotaExceeded) {
		t.Fatal("quota fault is not ErrQuotaExceeded")
	}
	if f.OperationTimedOut() {
		t.Fatal("quota fault taken for a timeout")
	}
}

func TestClassify(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"401", &FaultError{Status: 401}, ErrInvalidCredentials},
		{"logon failure", &FaultError{Status: 500, Code: 1326}, ErrInvalidCredentials},
		{"access denied code", &FaultError{Status: 500, Code: 5}, ErrAccessDenied},
		{"access denied text", &FaultError{Status: 500, Reason: "Access is denied."}, ErrAccessDenied},
		{"no logon servers", &FaultError{Status: 500, Code: 1311}, ErrNoLogonServers},
		{"max ops", &FaultError{Status: 500, Code: 2150859174}, ErrQuotaExceeded},
		{"dns", &net.DNSError{Err: "no such host", Name: "nope", IsNotFound: true}, ErrUnknownComputer},
		{"refused", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, ErrUnreachable},
		{"deadline", fmt.Errorf("post: %w", context.DeadlineExceeded), ErrUnreachable},
		{"kdc", errors.New("KRB Error: (68) KDC_ERR_WRONG_REALM"), ErrNoLogonServers},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Classify("op", tt.err)
			if !errors.Is(got, tt.want) {
				t.Fatalf("Classify(%v) = %v, not %v", tt.err, got, tt.want)
			}
			if !strings.HasPrefix(got.Error(), "op: ") || !strings.Contains(got.Error(), tt.err.Error()) {
				t.Fatalf("detail lost: %q", got)
			}
		})
	}
	if Classify("op", nil) != nil {
		t.Fatal("Classify(nil) != nil")
	}
	if err := Classify("op", context.Canceled); errors.Is(err, ErrUnreachable) {
		t.Fatal("a cancelled caller is not an unreachable host")
	}
}

// FuzzParseFault: any body parses without panicking; a code is read only
// from a WSManFault.
func FuzzParseFault(f *testing.F) {
	f.Add(quotaFault)
	f.Add(`<f:WSManFault Code="5"><f:Message>Access is denied.</f:Message>`)
	f.Fuzz(func(t *testing.T, body string) {
		fe := parseFault(500, body)
		if fe.Code != 0 && !strings.Contains(body, "WSManFault") {
			t.Fatalf("code %d without a WSManFault", fe.Code)
		}
		_ = fe.Error()
	})
}
