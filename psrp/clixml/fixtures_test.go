package clixml

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"gopkg.in/yaml.v3"
)

// fixtureDir holds the pypsrp recordings of real Windows exchanges; it is
// shared, not part of the repository.
const fixtureDir = "../../../shared/fixtures/pypsrp-responses"

// fixtureBody is one CLIXML message body from a recording.
type fixtureBody struct {
	file   string
	client bool   // sent by the client (pypsrp), else by Windows
	data   []byte // the body, BOM included as recorded
}

// psrpPayload finds the base64 PSRP data in a WS-Management envelope.
var psrpPayload = regexp.MustCompile(`<(?:creationXml|rsp:Arguments|rsp:Stream)\b[^>]*>([^<]+)<`)

// fixtureBodies reassembles the PSRP messages of every test_psrp_*.yml and
// returns their CLIXML bodies, skipping the test without fixtures.
func fixtureBodies(t testing.TB) []fixtureBody {
	t.Helper()
	bodies, err := readFixtures()
	if errors.Is(err, errNoFixtures) {
		t.Skipf("no fixtures in %s", fixtureDir)
	}
	if err != nil {
		t.Fatal(err)
	}
	return bodies
}

var errNoFixtures = errors.New("no fixtures")

// readFixtures is a test helper, not the fragment layer: fragments are
// joined by ObjectId per file and direction, in order.
func readFixtures() ([]fixtureBody, error) {
	files, _ := filepath.Glob(filepath.Join(fixtureDir, "test_psrp_*.yml"))
	if len(files) == 0 {
		return nil, errNoFixtures
	}
	var out []fixtureBody
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		var doc struct {
			Messages []struct{ Request, Response string }
		}
		if err := yaml.Unmarshal(raw, &doc); err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		pending := [2]map[uint64][]byte{{}, {}}
		for _, m := range doc.Messages {
			for side, env := range []string{m.Request, m.Response} {
				for _, match := range psrpPayload.FindAllStringSubmatch(env, -1) {
					msgs, err := reassemble(match[1], pending[side])
					if err != nil {
						return nil, fmt.Errorf("%s: %w", f, err)
					}
					for _, msg := range msgs {
						out = append(out, fixtureBody{filepath.Base(f), side == 0, msg[40:]})
					}
				}
			}
		}
	}
	return out, nil
}

// reassemble decodes the fragments in b64 and returns the messages they
// complete.
func reassemble(b64 string, pending map[uint64][]byte) ([][]byte, error) {
	data, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return nil, err
	}
	var done [][]byte
	for len(data) > 0 {
		if len(data) < 21 {
			return nil, errors.New("short fragment header")
		}
		id, flags := binary.BigEndian.Uint64(data), data[16]
		n := int(binary.BigEndian.Uint32(data[17:]))
		if 21+n > len(data) {
			return nil, fmt.Errorf("fragment length %d beyond data", n)
		}
		if flags&1 != 0 {
			pending[id] = nil
		}
		pending[id] = append(pending[id], data[21:21+n]...)
		if flags&2 != 0 {
			if len(pending[id]) < 40 {
				return nil, fmt.Errorf("message of %d bytes", len(pending[id]))
			}
			done = append(done, pending[id])
			delete(pending, id)
		}
		data = data[21+n:]
	}
	return done, nil
}

// pypsrpQuirk explains why re-encoding a recorded client body may differ
// from the recording although it decodes to the same value: older pypsrp
// writes RefId before N on <Obj>, and Python's ElementTree self-closes an
// empty ToString (<ToString />) where Windows writes <ToString></ToString>.
// We encode as Windows does; the server accepts both.
var pypsrpQuirk = regexp.MustCompile(`<Obj RefId="\d+" N=|<ToString />`)

func TestFixtures(t *testing.T) {
	bodies := fixtureBodies(t)
	var empty, identical, structural, clientN, serverN int
	for i, b := range bodies {
		data := bytes.TrimPrefix(b.data, []byte("\xEF\xBB\xBF"))
		if len(data) == 0 {
			empty++ // END_OF_PIPELINE_INPUT, PUBLIC_KEY_REQUEST …
			continue
		}
		if b.client {
			clientN++
		} else {
			serverN++
		}
		v, warns, err := Decode(b.data)
		if err != nil {
			t.Errorf("%s body %d: %v", b.file, i, err)
			continue
		}
		if len(warns) > 0 {
			t.Errorf("%s body %d: warnings %v", b.file, i, warns)
		}
		enc, err := Encode(v)
		if err != nil {
			t.Errorf("%s body %d: encode: %v", b.file, i, err)
			continue
		}
		if bytes.Equal(enc, data) {
			identical++
			continue
		}
		if !b.client || !pypsrpQuirk.Match(data) {
			t.Errorf("%s body %d: re-encoded differs:\n got %s\nwant %s", b.file, i, enc, data)
			continue
		}
		structural++
		assertRoundTrip(t, v)
	}
	t.Logf("%d bodies (%d client, %d server, %d empty): %d byte-identical, %d structurally equal (pypsrp quirks)",
		len(bodies), clientN, serverN, empty, identical, structural)
}
