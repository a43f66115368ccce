package psrp

import (
	"encoding/binary"
	"fmt"
)

// FragmentHeaderSize is the size of a fragment header: ObjectId (8 bytes),
// FragmentId (8), flags (1) and BlobLength (4), big-endian (MS-PSRP 2.2.4).
const FragmentHeaderSize = 21

const (
	flagStart    = 0x1
	flagEnd      = 0x2
	flagReserved = ^byte(flagStart | flagEnd)
)

// Fragment is one piece of a PSRP message on the wire. A message (an
// "object") is split into one or more fragments sharing an ObjectID and
// numbered from FragmentID 0; the first carries Start, the last End.
type Fragment struct {
	ObjectID   uint64
	FragmentID uint64
	Start      bool
	End        bool
	Blob       []byte
}

// AppendBinary appends the wire form of f to b.
func (f Fragment) AppendBinary(b []byte) ([]byte, error) {
	if uint64(len(f.Blob)) > 0xFFFFFFFF {
		return b, fmt.Errorf("encoding fragment %d/%d: blob of %d bytes: %w", f.ObjectID, f.FragmentID, len(f.Blob), ErrTooLarge)
	}
	var flags byte
	if f.Start {
		flags |= flagStart
	}
	if f.End {
		flags |= flagEnd
	}
	b = binary.BigEndian.AppendUint64(b, f.ObjectID)
	b = binary.BigEndian.AppendUint64(b, f.FragmentID)
	b = append(b, flags)
	b = binary.BigEndian.AppendUint32(b, uint32(len(f.Blob)))
	return append(b, f.Blob...), nil
}

// MarshalBinary returns the wire form of f.
func (f Fragment) MarshalBinary() ([]byte, error) {
	return f.AppendBinary(make([]byte, 0, FragmentHeaderSize+len(f.Blob)))
}

// DecodeFragment decodes the fragment at the start of data and returns it
// with the bytes that follow it. The fragment's Blob aliases data.
func DecodeFragment(data []byte) (Fragment, []byte, error) {
	if len(data) < FragmentHeaderSize {
		return Fragment{}, data, fmt.Errorf("decoding fragment header: %d of %d bytes: %w", len(data), FragmentHeaderSize, ErrTruncated)
	}
	f := Fragment{
		ObjectID:   binary.BigEndian.Uint64(data[0:8]),
		FragmentID: binary.BigEndian.Uint64(data[8:16]),
	}
	flags := data[16]
	if flags&flagReserved != 0 {
		return Fragment{}, data, fmt.Errorf("decoding fragment %d/%d: flags 0x%02x: %w", f.ObjectID, f.FragmentID, flags, ErrInvalidFragment)
	}
	f.Start, f.End = flags&flagStart != 0, flags&flagEnd != 0
	n := binary.BigEndian.Uint32(data[17:21])
	rest := data[FragmentHeaderSize:]
	if uint64(n) > uint64(len(rest)) {
		return Fragment{}, data, fmt.Errorf("decoding fragment %d/%d: blob length %d, %d bytes left: %w", f.ObjectID, f.FragmentID, n, len(rest), ErrTruncated)
	}
	f.Blob = rest[:n:n]
	return f, rest[n:], nil
}

// DecodeFragments decodes every fragment in data, which must hold whole
// fragments only.
func DecodeFragments(data []byte) ([]Fragment, error) {
	var out []Fragment
	for len(data) > 0 {
		f, rest, err := DecodeFragment(data)
		if err != nil {
			return out, err
		}
		out = append(out, f)
		data = rest
	}
	return out, nil
}
