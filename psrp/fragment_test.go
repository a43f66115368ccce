package psrp_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/psgate/psgate/psrp"
)

func TestFragmentRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		f    psrp.Fragment
		wire string
	}{
		{"start and end", psrp.Fragment{ObjectID: 1, FragmentID: 0, Start: true, End: true, Blob: []byte("ab")},
			"\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x02ab"},
		{"middle", psrp.Fragment{ObjectID: 0x0102030405060708, FragmentID: 9, Blob: []byte{}},
			"\x01\x02\x03\x04\x05\x06\x07\x08\x00\x00\x00\x00\x00\x00\x00\x09\x00\x00\x00\x00\x00"},
		{"start", psrp.Fragment{ObjectID: 2, Start: true, Blob: []byte("x")},
			"\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x01x"},
		{"end", psrp.Fragment{ObjectID: 2, FragmentID: 1, End: true, Blob: []byte("y")},
			"\x00\x00\x00\x00\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00\x01\x02\x00\x00\x00\x01y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.f.MarshalBinary()
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]byte(tt.wire), got); diff != "" {
				t.Errorf("MarshalBinary (-want +got):\n%s", diff)
			}
			back, rest, err := psrp.DecodeFragment(append(got, "tail"...))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.f, back); diff != "" {
				t.Errorf("DecodeFragment (-want +got):\n%s", diff)
			}
			if string(rest) != "tail" {
				t.Errorf("rest = %q, want %q", rest, "tail")
			}
		})
	}
}

func TestDecodeFragmentErrors(t *testing.T) {
	header := func(flags byte, n uint32) []byte {
		return []byte{0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, flags, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"short header", header(3, 0)[:20], psrp.ErrTruncated},
		{"empty", nil, psrp.ErrTruncated},
		{"blob longer than data", append(header(3, 5), "abcd"...), psrp.ErrTruncated},
		{"huge blob length", header(3, 0xFFFFFFFF), psrp.ErrTruncated},
		{"reserved flag", header(4|1, 0), psrp.ErrInvalidFragment},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := psrp.DecodeFragment(tt.data)
			if !errors.Is(err, tt.want) {
				t.Errorf("DecodeFragment error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestMaxPayloadSize(t *testing.T) {
	tests := []struct {
		envelope, overhead, want int
	}{
		// The sizes the pypsrp recordings were made with.
		{153600, psrp.DefaultEnvelopeOverhead, 113950},
		{512000, psrp.DefaultEnvelopeOverhead, 382750},
		{32768, psrp.DefaultEnvelopeOverhead, 23326},
		{1000 + 4, 1000, 3},
		{1000 + 7, 1000, 5},
	}
	for _, tt := range tests {
		got, err := psrp.MaxPayloadSize(tt.envelope, tt.overhead)
		if tt.want <= psrp.FragmentHeaderSize {
			if !errors.Is(err, psrp.ErrInvalidConfig) {
				t.Errorf("MaxPayloadSize(%d, %d) error = %v, want ErrInvalidConfig", tt.envelope, tt.overhead, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("MaxPayloadSize(%d, %d) = %d, %v; want %d", tt.envelope, tt.overhead, got, err, tt.want)
		}
	}
	if _, err := psrp.MaxPayloadSize(1000, 1000); !errors.Is(err, psrp.ErrInvalidConfig) {
		t.Errorf("MaxPayloadSize with no room: error = %v, want ErrInvalidConfig", err)
	}
}

func TestFragmenterSplits(t *testing.T) {
	const payload = psrp.FragmentHeaderSize + 10 // 10 blob bytes per payload
	fr, err := psrp.NewFragmenter(payload)
	if err != nil {
		t.Fatal(err)
	}
	a := []byte("0123456789abcdefghij012") // 23 bytes: 10 + 10 + 3
	b := []byte("BBBBBBBBBBBB")            // 12 bytes: 7 packed after a's 3, then 5
	c := []byte("")                        // empty: one fragment packed after b
	got := fr.Fragment(a, b, c)
	want := [][]psrp.Fragment{
		{{ObjectID: 1, FragmentID: 0, Start: true, Blob: a[:10]}},
		{{ObjectID: 1, FragmentID: 1, Blob: a[10:20]}},
		{{ObjectID: 1, FragmentID: 2, End: true, Blob: a[20:]}},
		{{ObjectID: 2, FragmentID: 0, Start: true, Blob: b[:10]}},
		{{ObjectID: 2, FragmentID: 1, End: true, Blob: b[10:]}},
	}
	// a ends with 3 bytes: 21+3 = 24 used, room 31-24-21 < 1, so b starts a
	// new payload; b's last payload has 21+2 = 23 used, room -13: c too.
	want = append(want, []psrp.Fragment{{ObjectID: 3, Start: true, End: true, Blob: []byte{}}})
	var decoded [][]psrp.Fragment
	for _, p := range got {
		if len(p) > payload {
			t.Errorf("payload of %d bytes exceeds %d", len(p), payload)
		}
		fs, err := psrp.DecodeFragments(p)
		if err != nil {
			t.Fatal(err)
		}
		decoded = append(decoded, fs)
	}
	if diff := cmp.Diff(want, decoded); diff != "" {
		t.Errorf("Fragment (-want +got):\n%s", diff)
	}
	if fr.NextObjectID() != 4 {
		t.Errorf("NextObjectID = %d, want 4", fr.NextObjectID())
	}
}

func TestFragmenterPacks(t *testing.T) {
	fr, err := psrp.NewFragmenter(100) // 79 blob bytes
	if err != nil {
		t.Fatal(err)
	}
	got := fr.Fragment([]byte("aaaa"), []byte("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"), []byte("cc"))
	// a: 25 bytes; b (59) gets 100-25-21 = 54 bytes, payload full; b's last 5
	// and then c fill the second payload.
	var sizes [][]int
	for _, p := range got {
		fs, err := psrp.DecodeFragments(p)
		if err != nil {
			t.Fatal(err)
		}
		var s []int
		for _, f := range fs {
			s = append(s, len(f.Blob))
		}
		sizes = append(sizes, s)
	}
	if diff := cmp.Diff([][]int{{4, 54}, {5, 2}}, sizes); diff != "" {
		t.Errorf("blob sizes per payload (-want +got):\n%s", diff)
	}
}

func TestNewFragmenterRejectsTinyPayload(t *testing.T) {
	if _, err := psrp.NewFragmenter(psrp.FragmentHeaderSize); !errors.Is(err, psrp.ErrInvalidConfig) {
		t.Errorf("NewFragmenter(%d) error = %v, want ErrInvalidConfig", psrp.FragmentHeaderSize, err)
	}
}
