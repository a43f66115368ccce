package clixml

import "errors"

// Sentinel errors; the errors returned wrap one of them with the element,
// the offset and the bad value. Test with errors.Is.
var (
	// ErrSyntax: the input is not well-formed XML.
	ErrSyntax = errors.New("clixml: malformed XML")
	// ErrInvalid: well-formed XML that is not valid CLIXML (a bad number,
	// a Ref to an unknown RefId, a DCT entry without Key, …).
	ErrInvalid = errors.New("clixml: invalid CLIXML")
	// ErrTooDeep: nesting beyond the decoder's or encoder's MaxDepth.
	ErrTooDeep = errors.New("clixml: nesting too deep")
	// ErrTooLarge: input larger than the decoder's MaxBytes.
	ErrTooLarge = errors.New("clixml: document too large")
	// ErrInvalidUTF8: a string or document that is not valid UTF-8.
	ErrInvalidUTF8 = errors.New("clixml: invalid UTF-8")
	// ErrUnsupported: a value the encoder cannot write (a nil *Object, an
	// Unknown whose XML is not one unknown element, …).
	ErrUnsupported = errors.New("clixml: cannot encode value")
)
