package clixml_test

import (
	"fmt"

	"github.com/psgate/psgate/psrp/clixml"
)

// The INIT_RUNSPACEPOOL body of test_psrp_application_args.yml, built from
// scratch: the encoder writes what pypsrp sent, byte for byte.
func ExampleEncode() {
	enum := clixml.NewEnum
	body := &clixml.Object{Members: []clixml.Property{
		{Name: "MinRunspaces", Value: clixml.Int32(1)},
		{Name: "MaxRunspaces", Value: clixml.Int32(1)},
		{Name: "PSThreadOptions", Value: enum("System.Management.Automation.Runspaces.PSThreadOptions", "Default", 0)},
		{Name: "ApartmentState", Value: enum("System.Management.Automation.Runspaces.ApartmentState", "UNKNOWN", 2)},
		{Name: "HostInfo", Value: &clixml.Object{Members: []clixml.Property{
			{Name: "_isHostNull", Value: clixml.Bool(true)},
			{Name: "_isHostUINull", Value: clixml.Bool(true)},
			{Name: "_isHostRawUINull", Value: clixml.Bool(true)},
			{Name: "_useRunspaceHost", Value: clixml.Bool(true)},
		}}},
		{Name: "ApplicationArguments", Value: &clixml.Object{
			TypeNames: []string{"System.Management.Automation.PSPrimitiveDictionary", "System.Collections.Hashtable", "System.Object"},
			Kind:      clixml.Dictionary,
			Entries:   []clixml.Entry{{Key: clixml.String("test_var"), Value: clixml.String("abcdef12345")}},
		}},
	}}
	out, err := clixml.Encode(body)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(out))
	// Output:
	// <Obj RefId="0"><MS><I32 N="MinRunspaces">1</I32><I32 N="MaxRunspaces">1</I32><Obj N="PSThreadOptions" RefId="1"><TN RefId="0"><T>System.Management.Automation.Runspaces.PSThreadOptions</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>Default</ToString><I32>0</I32></Obj><Obj N="ApartmentState" RefId="2"><TN RefId="1"><T>System.Management.Automation.Runspaces.ApartmentState</T><T>System.Enum</T><T>System.ValueType</T><T>System.Object</T></TN><ToString>UNKNOWN</ToString><I32>2</I32></Obj><Obj N="HostInfo" RefId="3"><MS><B N="_isHostNull">true</B><B N="_isHostUINull">true</B><B N="_isHostRawUINull">true</B><B N="_useRunspaceHost">true</B></MS></Obj><Obj N="ApplicationArguments" RefId="4"><TN RefId="2"><T>System.Management.Automation.PSPrimitiveDictionary</T><T>System.Collections.Hashtable</T><T>System.Object</T></TN><DCT><En><S N="Key">test_var</S><S N="Value">abcdef12345</S></En></DCT></Obj></MS></Obj>
}

// A RUNSPACEPOOL_STATE body as Windows sends it (with its BOM).
func ExampleDecode() {
	body := []byte("\xEF\xBB\xBF<Obj RefId=\"0\"><MS><I32 N=\"RunspaceState\">2</I32></MS></Obj>")
	v, warnings, err := clixml.Decode(body)
	if err != nil {
		panic(err)
	}
	state, _ := v.(*clixml.Object).Member("RunspaceState")
	n, _ := clixml.AsInt(state)
	fmt.Println(n, len(warnings))
	// Output: 2 0
}
