package psrp_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/psgate/psgate/psrp"
)

func frag(obj, id uint64, start, end bool, blob string) []byte {
	b, _ := psrp.Fragment{ObjectID: obj, FragmentID: id, Start: start, End: end, Blob: []byte(blob)}.MarshalBinary()
	return b
}

func TestReassemblerInterleaved(t *testing.T) {
	r, err := psrp.NewReassembler(psrp.ReassemblerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	stream := bytes.Join([][]byte{
		frag(1, 0, true, false, "he"),
		frag(2, 0, true, false, "wo"),
		frag(1, 1, false, false, "ll"),
		frag(3, 0, true, true, "single"),
		frag(2, 1, false, true, "rld"),
		frag(1, 2, false, true, "o"),
	}, nil)
	got, err := r.Feed(stream)
	if err != nil {
		t.Fatal(err)
	}
	want := [][]byte{[]byte("single"), []byte("world"), []byte("hello")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Feed (-want +got):\n%s", diff)
	}
	if r.Pending() != 0 || r.Buffered() != 0 {
		t.Errorf("Pending = %d, Buffered = %d, want 0", r.Pending(), r.Buffered())
	}
}

func TestReassemblerErrors(t *testing.T) {
	tests := []struct {
		name    string
		cfg     psrp.ReassemblerConfig
		stream  [][]byte
		want    error
		done    int // messages completed before the error
		pending int // objects still pending after it
	}{
		{"first fragment without start", psrp.ReassemblerConfig{},
			[][]byte{frag(1, 0, false, true, "x")}, psrp.ErrFragmentSequence, 0, 0},
		{"start fragment with id 1", psrp.ReassemblerConfig{},
			[][]byte{frag(1, 1, true, true, "x")}, psrp.ErrFragmentSequence, 0, 0},
		{"fragment id gap", psrp.ReassemblerConfig{},
			[][]byte{frag(1, 0, true, false, "a"), frag(1, 2, false, true, "c")}, psrp.ErrFragmentSequence, 0, 0},
		{"repeated fragment id", psrp.ReassemblerConfig{},
			[][]byte{frag(1, 0, true, false, "a"), frag(1, 0, false, true, "a")}, psrp.ErrFragmentSequence, 0, 0},
		{"duplicate start", psrp.ReassemblerConfig{},
			[][]byte{frag(2, 0, true, false, "b"), frag(1, 0, true, false, "a"), frag(1, 1, true, true, "a")}, psrp.ErrFragmentSequence, 0, 1},
		{"message above limit", psrp.ReassemblerConfig{MaxMessageSize: 4},
			[][]byte{frag(1, 0, true, false, "abc"), frag(1, 1, false, true, "de")}, psrp.ErrTooLarge, 0, 0},
		{"blob length above limit", psrp.ReassemblerConfig{MaxMessageSize: 4},
			[][]byte{frag(1, 0, true, true, "ok"), frag(2, 0, true, true, "hello")[:25]}, psrp.ErrTooLarge, 1, 0},
		{"buffered above limit", psrp.ReassemblerConfig{MaxMessageSize: 10, MaxBuffered: 5},
			[][]byte{frag(1, 0, true, false, "abc"), frag(2, 0, true, false, "def"), frag(3, 0, true, true, "0123456789")}, psrp.ErrTooLarge, 0, 1},
		{"too many objects", psrp.ReassemblerConfig{MaxObjects: 2},
			[][]byte{frag(1, 0, true, false, "a"), frag(2, 0, true, false, "b"), frag(3, 0, true, false, "c")}, psrp.ErrTooManyObjects, 0, 2},
		{"truncated blob", psrp.ReassemblerConfig{},
			[][]byte{frag(1, 0, true, true, "ok"), frag(2, 0, true, true, "hello")[:23]}, psrp.ErrTruncated, 1, 0},
		{"truncated header", psrp.ReassemblerConfig{},
			[][]byte{frag(1, 0, true, true, "ok"), frag(2, 0, true, true, "x")[:10]}, psrp.ErrTruncated, 1, 0},
		{"reserved flags", psrp.ReassemblerConfig{},
			[][]byte{append(frag(1, 0, true, true, "x")[:16], append([]byte{0x83}, frag(1, 0, true, true, "x")[17:]...)...)}, psrp.ErrInvalidFragment, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := psrp.NewReassembler(tt.cfg)
			if err != nil {
				t.Fatal(err)
			}
			done, err := r.Feed(bytes.Join(tt.stream, nil))
			if !errors.Is(err, tt.want) {
				t.Fatalf("Feed error = %v, want %v", err, tt.want)
			}
			t.Logf("error: %v", err)
			if len(done) != tt.done || r.Pending() != tt.pending {
				t.Errorf("got %d messages, %d pending; want %d, %d", len(done), r.Pending(), tt.done, tt.pending)
			}
			if tt.pending == 0 && r.Buffered() != 0 {
				t.Errorf("Buffered = %d with nothing pending", r.Buffered())
			}
		})
	}
}

func TestNewReassemblerRejectsNegativeLimits(t *testing.T) {
	if _, err := psrp.NewReassembler(psrp.ReassemblerConfig{MaxObjects: -1}); !errors.Is(err, psrp.ErrInvalidConfig) {
		t.Errorf("error = %v, want ErrInvalidConfig", err)
	}
}

// TestFragmentReassembleProperty fragments random messages at random sizes,
// interleaves the fragments of different objects at random (keeping each
// object's own order) and reassembles them: the messages come back intact.
func TestFragmentReassembleProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for iter := range 500 {
		payload := psrp.FragmentHeaderSize + 1 + rng.IntN(200)
		fr, err := psrp.NewFragmenter(payload)
		if err != nil {
			t.Fatal(err)
		}
		n := 1 + rng.IntN(8)
		want := map[uint64][]byte{}
		queues := map[uint64][]psrp.Fragment{}
		var ids []uint64
		for range n {
			msg := make([]byte, rng.IntN(1000))
			for i := range msg {
				msg[i] = byte(rng.Uint32())
			}
			id := fr.NextObjectID()
			want[id] = msg
			ids = append(ids, id)
			// Fragment one at a time, or several together (packed payloads).
			for _, p := range fr.Fragment(msg) {
				if len(p) > payload {
					t.Fatalf("iter %d: payload %d > %d", iter, len(p), payload)
				}
				fs, err := psrp.DecodeFragments(p)
				if err != nil {
					t.Fatal(err)
				}
				for _, f := range fs {
					queues[f.ObjectID] = append(queues[f.ObjectID], f)
				}
			}
		}
		// Interleave: repeatedly take the next fragment of a random object.
		var stream []byte
		for len(ids) > 0 {
			k := rng.IntN(len(ids))
			id := ids[k]
			stream, _ = queues[id][0].AppendBinary(stream)
			if queues[id] = queues[id][1:]; len(queues[id]) == 0 {
				ids = append(ids[:k], ids[k+1:]...)
			}
		}
		r, err := psrp.NewReassembler(psrp.ReassemblerConfig{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := r.Feed(stream)
		if err != nil {
			t.Fatalf("iter %d: %v", iter, err)
		}
		if len(got) != n {
			t.Fatalf("iter %d: %d messages, want %d", iter, len(got), n)
		}
		seen := map[string]int{}
		for _, m := range want {
			seen[string(m)]++
		}
		for _, m := range got {
			seen[string(m)]--
		}
		for _, c := range seen {
			if c != 0 {
				t.Fatalf("iter %d: reassembled messages differ from the originals", iter)
			}
		}
	}
}

// TestCodecPackedProperty runs random messages through two Codecs, one
// encoding several messages together (packed payloads), the other decoding
// payload by payload.
func TestCodecPackedProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for iter := range 300 {
		enc, err := psrp.NewCodec(psrp.CodecConfig{MaxPayloadSize: psrp.FragmentHeaderSize + 1 + rng.IntN(300)})
		if err != nil {
			t.Fatal(err)
		}
		dec, err := psrp.NewCodec(psrp.CodecConfig{})
		if err != nil {
			t.Fatal(err)
		}
		types := psrp.MessageTypes()
		var want []psrp.Message
		for range 1 + rng.IntN(5) {
			m := psrp.Message{
				Destination: psrp.Destination(1 + rng.IntN(2)),
				Type:        types[rng.IntN(len(types))],
				BOM:         rng.IntN(2) == 0,
				Data:        []byte(randomText(rng, rng.IntN(700))),
			}
			for i := range m.RPID {
				m.RPID[i], m.PID[i] = byte(rng.Uint32()), byte(rng.Uint32())
			}
			want = append(want, m)
		}
		payloads, err := enc.Encode(want...)
		if err != nil {
			t.Fatal(err)
		}
		var got []psrp.Message
		for _, p := range payloads {
			ms, err := dec.Decode(p)
			if err != nil {
				t.Fatalf("iter %d: %v", iter, err)
			}
			got = append(got, ms...)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Fatalf("iter %d: (-want +got):\n%s", iter, diff)
		}
	}
}

// randomText is CLIXML-like text that never starts with a BOM.
func randomText(rng *rand.Rand, n int) string {
	const alphabet = "<>/=\" abcdefghijklmnopqrstuvwxyzé😀"
	r := []rune(alphabet)
	out := make([]rune, n)
	for i := range out {
		out[i] = r[rng.IntN(len(r))]
	}
	return string(out)
}
