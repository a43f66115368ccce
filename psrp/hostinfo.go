package psrp

import (
	"fmt"

	"github.com/psgate/psgate/psrp/clixml"
)

// Coordinates is System.Management.Automation.Host.Coordinates.
type Coordinates struct{ X, Y int32 }

// Size is System.Management.Automation.Host.Size.
type Size struct{ Width, Height int32 }

// HostInfo is the HostInfo of INIT_RUNSPACEPOOL and CREATE_PIPELINE
// (MS-PSRP 2.2.3.14). With IsHostNull false the server sends host calls
// (PIPELINE_HOST_CALL) for $host.UI…; with a RawUI (IsHostRawUINull false)
// it answers $host.UI.RawUI getters from Defaults and forwards the setters.
type HostInfo struct {
	IsHostNull, IsHostUINull, IsHostRawUINull, UseRunspaceHost bool
	// Defaults is the _hostDefaultData, sent when non-nil.
	Defaults *HostDefaultData
}

// NullHost is the HostInfo of a client without a host: the server runs
// with its own and sends no host calls.
func NullHost() HostInfo {
	return HostInfo{IsHostNull: true, IsHostUINull: true, IsHostRawUINull: true, UseRunspaceHost: true}
}

// ConsoleHost is the HostInfo of a client with a full host (UI and RawUI)
// whose raw UI starts as d.
func ConsoleHost(d HostDefaultData) HostInfo { return HostInfo{Defaults: &d} }

// HostDefaultData is the raw UI state the server caches (MS-PSRP 2.2.3.13),
// keys 0–9 of the _hostDefaultData table.
type HostDefaultData struct {
	ForegroundColor, BackgroundColor                             ConsoleColor
	CursorPosition, WindowPosition                               Coordinates
	CursorSize                                                   int32
	BufferSize, WindowSize, MaxWindowSize, MaxPhysicalWindowSize Size
	WindowTitle                                                  string
}

func coordinatesValue(c Coordinates) *clixml.Object {
	return ms(prop("x", clixml.Int32(c.X)), prop("y", clixml.Int32(c.Y)))
}

func sizeValue(s Size) *clixml.Object {
	return ms(prop("height", clixml.Int32(s.Height)), prop("width", clixml.Int32(s.Width)))
}

func (d *HostDefaultData) value() *clixml.Object {
	entry := func(key int32, typ string, v clixml.Value) clixml.Entry {
		return clixml.Entry{Key: clixml.Int32(key), Value: ms(prop("T", clixml.String(typ)), prop("V", v))}
	}
	const coord, size = "System.Management.Automation.Host.Coordinates", "System.Management.Automation.Host.Size"
	data := &clixml.Object{
		TypeNames: []string{"System.Collections.Hashtable", "System.Object"},
		Kind:      clixml.Dictionary,
		Entries: []clixml.Entry{
			entry(0, "System.ConsoleColor", clixml.Int32(d.ForegroundColor)),
			entry(1, "System.ConsoleColor", clixml.Int32(d.BackgroundColor)),
			entry(2, coord, coordinatesValue(d.CursorPosition)),
			entry(3, coord, coordinatesValue(d.WindowPosition)),
			entry(4, "System.Int32", clixml.Int32(d.CursorSize)),
			entry(5, size, sizeValue(d.BufferSize)),
			entry(6, size, sizeValue(d.WindowSize)),
			entry(7, size, sizeValue(d.MaxWindowSize)),
			entry(8, size, sizeValue(d.MaxPhysicalWindowSize)),
			entry(9, "System.String", clixml.String(d.WindowTitle)),
		},
	}
	return ms(prop("data", data))
}

// Value is the HostInfo object.
func (h HostInfo) Value() *clixml.Object {
	o := ms()
	if h.Defaults != nil {
		o.Members = append(o.Members, prop("_hostDefaultData", h.Defaults.value()))
	}
	o.Members = append(o.Members,
		prop("_isHostNull", clixml.Bool(h.IsHostNull)),
		prop("_isHostUINull", clixml.Bool(h.IsHostUINull)),
		prop("_isHostRawUINull", clixml.Bool(h.IsHostRawUINull)),
		prop("_useRunspaceHost", clixml.Bool(h.UseRunspaceHost)))
	return o
}

func parseHostInfo(o *clixml.Object) (HostInfo, error) {
	r := reader{o: o}
	h := HostInfo{
		IsHostNull:      r.bool("_isHostNull", true),
		IsHostUINull:    r.bool("_isHostUINull", true),
		IsHostRawUINull: r.bool("_isHostRawUINull", true),
		UseRunspaceHost: r.bool("_useRunspaceHost", true),
	}
	if dd := r.obj("_hostDefaultData", false); dd != nil {
		d, err := parseHostDefaultData(dd)
		if err != nil {
			return h, err
		}
		h.Defaults = &d
	}
	if r.err != nil {
		return h, fmt.Errorf("host info: %w", r.err)
	}
	return h, nil
}

func parseHostDefaultData(o *clixml.Object) (HostDefaultData, error) {
	var d HostDefaultData
	r := reader{o: o}
	data := r.obj("data", true)
	if r.err != nil {
		return d, fmt.Errorf("host default data: %w", r.err)
	}
	for _, e := range data.Entries {
		key, _ := clixml.AsInt(e.Key)
		vo, _ := e.Value.(*clixml.Object)
		v, _ := (&reader{o: vo}).get("V", false)
		setDefault(&d, key, v)
	}
	return d, nil
}

func setDefault(d *HostDefaultData, key int64, v clixml.Value) {
	n, _ := clixml.AsInt(v)
	switch key {
	case 0:
		d.ForegroundColor = ConsoleColor(n)
	case 1:
		d.BackgroundColor = ConsoleColor(n)
	case 2:
		d.CursorPosition = parseCoordinates(v)
	case 3:
		d.WindowPosition = parseCoordinates(v)
	case 4:
		d.CursorSize = int32(n)
	case 5:
		d.BufferSize = parseSize(v)
	case 6:
		d.WindowSize = parseSize(v)
	case 7:
		d.MaxWindowSize = parseSize(v)
	case 8:
		d.MaxPhysicalWindowSize = parseSize(v)
	case 9:
		d.WindowTitle, _ = clixml.AsString(v)
	}
}

func parseCoordinates(v clixml.Value) Coordinates {
	o, _ := v.(*clixml.Object)
	r := reader{o: o}
	return Coordinates{X: int32(r.int("x", false)), Y: int32(r.int("y", false))}
}

func parseSize(v clixml.Value) Size {
	o, _ := v.(*clixml.Object)
	r := reader{o: o}
	return Size{Width: int32(r.int("width", false)), Height: int32(r.int("height", false))}
}
