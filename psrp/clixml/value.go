package clixml

// Value is one CLIXML value: a primitive of MS-PSRP 2.2.5.1, an [*Object] or
// an [Unknown] element kept raw. The set of implementations is closed.
type Value interface {
	isValue()
}

// String is <S>, a string.
type String string

// Char is <C>, a UTF-16 code unit written as its number.
type Char uint16

// Bool is <B>.
type Bool bool

// Byte is <By>, an unsigned byte.
type Byte uint8

// SByte is <SB>, a signed byte.
type SByte int8

// Int16 is <I16>.
type Int16 int16

// UInt16 is <U16>.
type UInt16 uint16

// Int32 is <I32>.
type Int32 int32

// UInt32 is <U32>.
type UInt32 uint32

// Int64 is <I64>.
type Int64 int64

// UInt64 is <U64>.
type UInt64 uint64

// Single is <Sg>, a float32.
type Single float32

// Double is <Db>, a float64.
type Double float64

// Decimal is <D>, a .NET decimal kept exactly as its text (e.g. "-12.50").
type Decimal string

// Bytes is <BA>, a byte array (base64 on the wire).
type Bytes []byte

// GUID is <G>; the bytes are in the order of the text form
// (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx), not .NET's mixed-endian order.
type GUID [16]byte

// URI is <URI>, kept as text.
type URI string

// Nil is <Nil />, the null value.
type Nil struct{}

// XMLDocument is <XD>, an XML document kept as text.
type XMLDocument string

// ScriptBlock is <SBK>, a script block's text.
type ScriptBlock string

// SecureString is <SS>: the encrypted bytes (base64 on the wire). Decrypting
// them needs the session key, which lives outside this package.
type SecureString []byte

// Unknown is an element the model cannot hold, kept as its raw outer XML
// exactly as received. The encoder writes it back verbatim, so as a
// property value its name is the N inside the XML, not Property.Name.
type Unknown struct {
	XML string
}

func (String) isValue()         {}
func (Char) isValue()           {}
func (Bool) isValue()           {}
func (Byte) isValue()           {}
func (SByte) isValue()          {}
func (Int16) isValue()          {}
func (UInt16) isValue()         {}
func (Int32) isValue()          {}
func (UInt32) isValue()         {}
func (Int64) isValue()          {}
func (UInt64) isValue()         {}
func (Single) isValue()         {}
func (Double) isValue()         {}
func (Decimal) isValue()        {}
func (Bytes) isValue()          {}
func (GUID) isValue()           {}
func (URI) isValue()            {}
func (Nil) isValue()            {}
func (XMLDocument) isValue()    {}
func (ScriptBlock) isValue()    {}
func (SecureString) isValue()   {}
func (Unknown) isValue()        {}
func (DateTime) isValue()       {}
func (TimeSpan) isValue()       {}
func (Version) isValue()        {}
func (ProgressRecord) isValue() {}
func (*Object) isValue()        {}
