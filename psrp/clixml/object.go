package clixml

// CollectionKind says which collection element an [Object] carries.
type CollectionKind uint8

// The collection kinds of MS-PSRP 2.2.5.2.6.
const (
	NoCollection CollectionKind = iota
	List                        // <LST>
	Enumerable                  // <IE>
	Stack                       // <STK>
	Queue                       // <QUE>
	Dictionary                  // <DCT>
)

// Object is <Obj>, a complex object (MS-PSRP 2.2.5.2).
//
// Objects decoded from one <TN> share its TypeNames slice; copy it before
// changing it. A <Ref> decodes to the very *Object it names, so the graph
// may share objects and, if the sender wrote a reference to an enclosing
// object, contain a cycle.
type Object struct {
	// TypeNames are the <T> entries of <TN>, most derived first; nil without a TN.
	TypeNames []string
	// ToString is the <ToString> text, nil when the element is absent.
	ToString *string
	// Content is the value the Obj wraps, nil if none: a primitive (an
	// enum's Int32, the String of a string with notes) or, for a PSObject
	// around a serialized base object, an *Object. It is never Unknown.
	Content Value
	// Kind is the collection the Obj carries, if any; Items holds the
	// elements of LST, IE, STK and QUE, Entries those of DCT.
	Kind    CollectionKind
	Items   []Value
	Entries []Entry
	// Props are the adapted properties (<Props>), Members the extended
	// members (<MS>); both are kept, in wire order.
	Props   []Property
	Members []Property
	// Extra holds the unknown child elements of the Obj as raw XML; they
	// are written last.
	Extra []Unknown
}

// Property is a named value of <Props> or <MS> (the N attribute).
type Property struct {
	Name  string
	Value Value
}

// Entry is one <En> of a <DCT>.
type Entry struct {
	Key   Value
	Value Value
}

// Prop returns the adapted property (Props) called name.
func (o *Object) Prop(name string) (Value, bool) {
	return find(o.Props, name)
}

// Member returns the extended member (MS) called name.
func (o *Object) Member(name string) (Value, bool) {
	return find(o.Members, name)
}

// Get returns the member called name, else the property called name, the
// order in which PowerShell resolves them.
func (o *Object) Get(name string) (Value, bool) {
	if v, ok := o.Member(name); ok {
		return v, true
	}
	return o.Prop(name)
}

func find(ps []Property, name string) (Value, bool) {
	for _, p := range ps {
		if p.Name == name {
			return p.Value, true
		}
	}
	return nil, false
}

// HasType reports whether name is one of the object's type names.
func (o *Object) HasType(name string) bool {
	for _, t := range o.TypeNames {
		if t == name {
			return true
		}
	}
	return false
}

// IsEnum reports whether the object is an enum value as Windows sends it:
// System.Enum among its type names and an integer content.
func (o *Object) IsEnum() bool {
	_, ok := AsInt(o.Content)
	return ok && o.HasType("System.Enum")
}

// NewEnum builds an enum value the way Windows writes one:
// TN (typeName, System.Enum, System.ValueType, System.Object), the ToString
// name and the I32 value.
func NewEnum(typeName, name string, value int32) *Object {
	return &Object{
		TypeNames: []string{typeName, "System.Enum", "System.ValueType", "System.Object"},
		ToString:  &name,
		Content:   Int32(value),
	}
}

// AsString returns the text of a String, or of an Object whose content is a
// String.
func AsString(v Value) (string, bool) {
	switch v := v.(type) {
	case String:
		return string(v), true
	case *Object:
		if v != nil {
			return AsString(v.Content)
		}
	}
	return "", false
}

// AsInt returns the value of any integer primitive (By, SB, I16 … U64, C),
// or of an Object whose content is one (an enum). A UInt64 above
// math.MaxInt64 is reported as not representable.
func AsInt(v Value) (int64, bool) {
	switch v := v.(type) {
	case Byte:
		return int64(v), true
	case SByte:
		return int64(v), true
	case Int16:
		return int64(v), true
	case UInt16:
		return int64(v), true
	case Int32:
		return int64(v), true
	case UInt32:
		return int64(v), true
	case Int64:
		return int64(v), true
	case UInt64:
		if v > 1<<63-1 {
			return 0, false
		}
		return int64(v), true
	case Char:
		return int64(v), true
	case *Object:
		if v != nil {
			return AsInt(v.Content)
		}
	}
	return 0, false
}
