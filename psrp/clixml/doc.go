// Package clixml encodes and decodes CLIXML, the XML serialization that the
// PowerShell Remoting Protocol (MS-PSRP 2.2.5) carries in every message body.
//
// A decoded document is a [Value]: one of the primitive types of MS-PSRP
// 2.2.5.1 ([String], [Int32], [DateTime], [Bytes], …) or an [*Object] with its
// type names, ToString, adapted properties (Props), extended members (MS),
// primitive content (an enum's integer) and collection (LST, IE, STK, QUE,
// DCT). References (Ref) are resolved on decode, so two places holding the
// same *Object were one object on the wire; the encoder writes the second
// occurrence as a Ref again and numbers RefIds in document order as Windows
// does.
//
// Decoding never panics and never drops an element silently: an element the
// model cannot hold is kept as its raw outer XML ([Unknown], or
// [Object.Extra]) and reported as a [Warning]. Input comes from the network,
// so a [Decoder] refuses documents deeper or larger than its limits.
//
// Strings, ToString, type names and property names use the _xHHHH_ escapes
// of MS-PSRP 2.2.5.1.1 (see [EscapeString]).
package clixml
