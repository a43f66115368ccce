package psrp

import (
	"encoding/binary"
	"fmt"
)

// Default limits of a Reassembler.
const (
	// DefaultMaxMessageSize bounds one reassembled message: 64 MiB, above
	// PowerShell's default MaximumReceivedObjectSizeMB of 10 for a server and
	// 50 for a data object.
	DefaultMaxMessageSize = 64 << 20
	// DefaultMaxObjects bounds the objects partly received at once.
	DefaultMaxObjects = 64
)

// ReassemblerConfig bounds the memory a Reassembler uses.
type ReassemblerConfig struct {
	// MaxMessageSize is the largest message accepted, in bytes; a fragment
	// that would take an object beyond it is an ErrTooLarge error.
	// Zero means DefaultMaxMessageSize.
	MaxMessageSize int
	// MaxObjects is how many objects may be partly received at once; one
	// more is an ErrTooManyObjects error. Zero means DefaultMaxObjects.
	MaxObjects int
	// MaxBuffered bounds the bytes of all partly received objects together;
	// a fragment beyond it is an ErrTooLarge error. Zero means
	// MaxMessageSize, so memory stays near one maximal message however many
	// objects interleave.
	MaxBuffered int
}

func (c *ReassemblerConfig) setDefaults() {
	if c.MaxMessageSize == 0 {
		c.MaxMessageSize = DefaultMaxMessageSize
	}
	if c.MaxObjects == 0 {
		c.MaxObjects = DefaultMaxObjects
	}
	if c.MaxBuffered == 0 {
		c.MaxBuffered = c.MaxMessageSize
	}
}

func (c ReassemblerConfig) validate() error {
	if c.MaxMessageSize < 0 || c.MaxObjects < 0 || c.MaxBuffered < 0 {
		return fmt.Errorf("configuring reassembler: MaxMessageSize %d, MaxObjects %d, MaxBuffered %d: %w", c.MaxMessageSize, c.MaxObjects, c.MaxBuffered, ErrInvalidConfig)
	}
	return nil
}

// Reassembler joins fragments into messages, per ObjectID, so fragments of
// several objects may interleave. Fragments of one object must arrive in
// order: the first with the start flag and FragmentID 0, each next one with
// the next FragmentID. Anything else is an error wrapping
// ErrFragmentSequence; the object it concerns is dropped, other objects are
// kept. A Reassembler is not safe for concurrent use.
type Reassembler struct {
	cfg      ReassemblerConfig
	pending  map[uint64]*partial
	buffered int // bytes held in pending
}

type partial struct {
	next uint64 // the FragmentID expected next
	data []byte
}

// NewReassembler returns a Reassembler with cfg's limits.
func NewReassembler(cfg ReassemblerConfig) (*Reassembler, error) {
	cfg.setDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	return &Reassembler{cfg: cfg, pending: make(map[uint64]*partial)}, nil
}

// Pending reports how many objects are partly received.
func (r *Reassembler) Pending() int { return len(r.pending) }

// Feed decodes the whole fragments in data (one WS-Management payload) and
// returns the messages they complete, in order of completion. On an error it
// returns the messages completed before it; the rest of data is discarded.
func (r *Reassembler) Feed(data []byte) ([][]byte, error) {
	var done [][]byte
	for len(data) > 0 {
		if len(data) >= FragmentHeaderSize {
			if n := binary.BigEndian.Uint32(data[17:21]); uint64(n) > uint64(r.cfg.MaxMessageSize) {
				return done, fmt.Errorf("reassembling: fragment blob length %d exceeds the %d-byte limit: %w", n, r.cfg.MaxMessageSize, ErrTooLarge)
			}
		}
		f, rest, err := DecodeFragment(data)
		if err != nil {
			return done, err
		}
		msg, complete, err := r.Add(f)
		if err != nil {
			return done, err
		}
		if complete {
			done = append(done, msg)
		}
		data = rest
	}
	return done, nil
}

// Add adds one fragment. When it completes its object, Add returns the
// message and true. The message never aliases f.Blob.
func (r *Reassembler) Add(f Fragment) ([]byte, bool, error) {
	p, ok := r.pending[f.ObjectID]
	switch {
	case !ok && !f.Start:
		return nil, false, fmt.Errorf("reassembling object %d: fragment %d without a start fragment: %w", f.ObjectID, f.FragmentID, ErrFragmentSequence)
	case !ok && f.FragmentID != 0:
		return nil, false, fmt.Errorf("reassembling object %d: start fragment has id %d, want 0: %w", f.ObjectID, f.FragmentID, ErrFragmentSequence)
	case ok && f.Start:
		r.drop(f.ObjectID)
		return nil, false, fmt.Errorf("reassembling object %d: second start fragment (id %d): %w", f.ObjectID, f.FragmentID, ErrFragmentSequence)
	case ok && f.FragmentID != p.next:
		r.drop(f.ObjectID)
		return nil, false, fmt.Errorf("reassembling object %d: fragment id %d, want %d: %w", f.ObjectID, f.FragmentID, p.next, ErrFragmentSequence)
	}
	have := 0
	if ok {
		have = len(p.data)
	}
	if len(f.Blob) > r.cfg.MaxMessageSize-have {
		r.drop(f.ObjectID)
		return nil, false, fmt.Errorf("reassembling object %d: %d+%d bytes exceed the %d-byte limit: %w", f.ObjectID, have, len(f.Blob), r.cfg.MaxMessageSize, ErrTooLarge)
	}
	if f.End {
		r.drop(f.ObjectID)
		if !ok {
			return append([]byte(nil), f.Blob...), true, nil
		}
		return append(grow(p.data, len(f.Blob), r.cfg.MaxMessageSize), f.Blob...), true, nil
	}
	if len(f.Blob) > r.cfg.MaxBuffered-r.buffered {
		r.drop(f.ObjectID)
		return nil, false, fmt.Errorf("reassembling object %d: %d more bytes with %d buffered exceed the %d-byte limit: %w", f.ObjectID, len(f.Blob), r.buffered, r.cfg.MaxBuffered, ErrTooLarge)
	}
	if !ok {
		if len(r.pending) >= r.cfg.MaxObjects {
			return nil, false, fmt.Errorf("reassembling object %d: %d objects already in flight: %w", f.ObjectID, len(r.pending), ErrTooManyObjects)
		}
		p = &partial{}
		r.pending[f.ObjectID] = p
	}
	p.data = grow(p.data, len(f.Blob), r.cfg.MaxMessageSize)
	p.data = append(p.data, f.Blob...)
	p.next = f.FragmentID + 1
	r.buffered += len(f.Blob)
	return nil, false, nil
}

// drop forgets a partly received object.
func (r *Reassembler) drop(id uint64) {
	if p, ok := r.pending[id]; ok {
		r.buffered -= len(p.data)
		delete(r.pending, id)
	}
}

// Buffered reports the bytes held for partly received objects.
func (r *Reassembler) Buffered() int { return r.buffered }

// grow makes room for n more bytes in b, doubling its capacity (append
// grows large slices by only a quarter) but never beyond limit.
func grow(b []byte, n, limit int) []byte {
	need := len(b) + n
	if need <= cap(b) {
		return b
	}
	c := min(max(2*cap(b), need), max(limit, need))
	nb := make([]byte, len(b), c)
	copy(nb, b)
	return nb
}
