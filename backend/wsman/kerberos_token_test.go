package wsman

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/iana/nametype"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/spnego"
	"github.com/jcmturner/gokrb5/v8/types"
)

func testTicket(cipher byte) messages.Ticket {
	return messages.Ticket{TktVNO: 5, Realm: "EXAMPLE.TEST",
		SName:   types.NewPrincipalName(nametype.KRB_NT_PRINCIPAL, "HTTP/winsrv01.example.test"),
		EncPart: types.EncryptedData{EType: etypeID.AES256_CTS_HMAC_SHA1_96, KVNO: 2, Cipher: bytes.Repeat([]byte{cipher}, 300)}}
}

// Tokens built back to back parse with gokrb5's own (service side) parser,
// carry the ticket (re-marshalled when it changes), the GSS checksum, and
// authenticator times that strictly increase: a target's replay cache
// refuses two with the same time to the microsecond. Offline: no KDC.
func TestKerberosNegotiateToken(t *testing.T) {
	k := &Kerberos{spn: "HTTP/winsrv01.example.test", realm: "EXAMPLE.TEST",
		cl: client.NewWithPassword("alice", "EXAMPLE.TEST", "pw", config.New())}
	key := types.EncryptionKey{KeyType: etypeID.AES256_CTS_HMAC_SHA1_96, KeyValue: bytes.Repeat([]byte{7}, 32)}
	// As if the clock stood still (or went back): a later time all the same.
	k.last = time.Now().Add(time.Second).Truncate(time.Microsecond)
	last := k.last
	for i := 0; i < 300; i++ {
		tkt := testTicket(byte(1 + i/100)) // a new ticket every 100 tokens
		tok, err := k.negotiateToken(tkt, key)
		if err != nil {
			t.Fatal(err)
		}
		var st spnego.SPNEGOToken
		if err := st.Unmarshal(tok); err != nil || !st.Init {
			t.Fatalf("token %d: not a NegTokenInit: %v", i, err)
		}
		if !st.NegTokenInit.MechTypes[0].Equal(gssapi.OIDKRB5.OID()) {
			t.Fatalf("token %d: mech %v", i, st.NegTokenInit.MechTypes)
		}
		var mt spnego.KRB5Token
		if err := mt.Unmarshal(st.NegTokenInit.MechTokenBytes); err != nil || !mt.IsAPReq() {
			t.Fatalf("token %d: not a krb5 AP-REQ: %v", i, err)
		}
		a := mt.APReq
		if want, _ := tkt.Marshal(); !bytes.Equal(mustMarshal(t, a.Ticket), want) {
			t.Fatalf("token %d: ticket differs from the one given", i)
		}
		if err := a.DecryptAuthenticator(key); err != nil {
			t.Fatalf("token %d: %v", i, err)
		}
		au := a.Authenticator
		if au.CName.PrincipalNameString() != "alice" || au.CRealm != "EXAMPLE.TEST" {
			t.Fatalf("token %d: client %s@%s", i, au.CName.PrincipalNameString(), au.CRealm)
		}
		if ck := au.Cksum.Checksum; len(ck) != 24 || binary.LittleEndian.Uint32(ck[20:]) != uint32(gssapi.ContextFlagInteg|gssapi.ContextFlagConf) {
			t.Fatalf("token %d: GSS checksum %x", i, ck)
		}
		at := au.CTime.Add(time.Duration(au.Cusec) * time.Microsecond)
		if !at.After(last) {
			t.Fatalf("token %d: authenticator time %v not after %v", i, at, last)
		}
		last = at
	}
}

func mustMarshal(t *testing.T, tkt messages.Ticket) []byte {
	t.Helper()
	b, err := tkt.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}
