package psrp

import (
	"github.com/psgate/psgate/psrp/clixml"
)

// psObjectList is the type name of the lists CREATE_PIPELINE holds.
const psObjectList = "System.Collections.Generic.List`1[[System.Management.Automation.PSObject, System.Management.Automation, Version=1.0.0.0, Culture=neutral, PublicKeyToken=31bf3856ad364e35]]"

func list(typeNames []string, items ...clixml.Value) *clixml.Object {
	return &clixml.Object{TypeNames: typeNames, Kind: clixml.List, Items: items}
}

// Parameter is one argument of a command: a named parameter (Name set), a
// switch (Value nil) or a positional argument (Name "").
type Parameter struct {
	Name  string
	Value clixml.Value
}

// Command is one command of a pipeline statement (MS-PSRP 2.2.3.12).
type Command struct {
	// Name is a command name, or script text when IsScript.
	Name          string
	IsScript      bool
	UseLocalScope *bool
	Args          []Parameter
	// MergeMyResult/MergeToResult is the protocol-2.1 merge (Error to
	// Output); the per-stream Merge* need protocol 2.2 (Information 2.3).
	MergeMyResult, MergeToResult, MergePreviousResults                   PipelineResultTypes
	MergeError, MergeWarning, MergeVerbose, MergeDebug, MergeInformation PipelineResultTypes
}

func (c Command) value(proto clixml.Version) *clixml.Object {
	var scope clixml.Value = clixml.Nil{}
	if c.UseLocalScope != nil {
		scope = clixml.Bool(*c.UseLocalScope)
	}
	args := list([]string{psObjectList, "System.Object"})
	for _, a := range c.Args {
		var n, v clixml.Value = clixml.Nil{}, clixml.Nil{}
		if a.Name != "" {
			n = clixml.String(a.Name)
		}
		if a.Value != nil {
			v = a.Value
		}
		args.Items = append(args.Items, ms(prop("N", n), prop("V", v)))
	}
	merge := func(r PipelineResultTypes) *clixml.Object { return resultTypeNames.value(int32(r)) }
	o := ms(prop("Cmd", clixml.String(c.Name)), prop("IsScript", clixml.Bool(c.IsScript)), prop("UseLocalScope", scope),
		prop("MergeMyResult", merge(c.MergeMyResult)), prop("MergeToResult", merge(c.MergeToResult)),
		prop("MergePreviousResults", mergePrevious(c.MergePreviousResults)), prop("Args", args))
	if !proto.Less(version22) {
		o.Members = append(o.Members, prop("MergeError", merge(c.MergeError)), prop("MergeWarning", merge(c.MergeWarning)),
			prop("MergeVerbose", merge(c.MergeVerbose)), prop("MergeDebug", merge(c.MergeDebug)))
	}
	if !proto.Less(version23) {
		o.Members = append(o.Members, prop("MergeInformation", merge(c.MergeInformation)))
	}
	return o
}

func parseCommand(o *clixml.Object) Command {
	r := reader{o: o}
	c := Command{Name: r.str("Cmd", true), IsScript: r.bool("IsScript", false),
		MergeMyResult: PipelineResultTypes(r.int("MergeMyResult", false)), MergeToResult: PipelineResultTypes(r.int("MergeToResult", false)),
		MergePreviousResults: PipelineResultTypes(r.int("MergePreviousResults", false)),
		MergeError:           PipelineResultTypes(r.int("MergeError", false)), MergeWarning: PipelineResultTypes(r.int("MergeWarning", false)),
		MergeVerbose: PipelineResultTypes(r.int("MergeVerbose", false)), MergeDebug: PipelineResultTypes(r.int("MergeDebug", false)),
		MergeInformation: PipelineResultTypes(r.int("MergeInformation", false))}
	if v, ok := r.get("UseLocalScope", false); ok {
		if b, ok := v.(clixml.Bool); ok {
			c.UseLocalScope = ptr(bool(b))
		}
	}
	if args := r.obj("Args", false); args != nil {
		for _, it := range args.Items {
			ao, _ := it.(*clixml.Object)
			ar := reader{o: ao}
			p := Parameter{Name: ar.str("N", false)}
			p.Value, _ = ar.get("V", false)
			c.Args = append(c.Args, p)
		}
	}
	return c
}

// mergePrevious writes MergePreviousResults, whose only values are None
// and Output|Error (3, MS-PSRP 2.2.3.12), named as the flags they are.
func mergePrevious(r PipelineResultTypes) *clixml.Object {
	if r == ResultOutput|ResultError {
		return clixml.NewEnum(resultTypeNames.typeName, "Output, Error", int32(r))
	}
	return resultTypeNames.value(int32(r))
}

// PowerShell is the PowerShell object of CREATE_PIPELINE: one or more
// statements, each a pipeline of commands.
type PowerShell struct {
	// Statements holds the statements in order; most hold one. With more
	// than one, every statement goes into ExtraCmds and the first is
	// repeated as Cmds, as pypsrp and PowerShell write it.
	Statements                   [][]Command
	IsNested                     bool
	History                      *string
	RedirectShellErrorOutputPipe bool
}

func (p PowerShell) value(proto clixml.Version) *clixml.Object {
	cmds := func(st []Command) *clixml.Object {
		l := list([]string{psObjectList, "System.Object"})
		for _, c := range st {
			l.Items = append(l.Items, c.value(proto))
		}
		return l
	}
	var extra clixml.Value = clixml.Nil{}
	if len(p.Statements) > 1 {
		l := list([]string{psObjectList, "System.Object"})
		for _, st := range p.Statements {
			l.Items = append(l.Items, ms(prop("Cmds", cmds(st))))
		}
		extra = l
	}
	var first []Command
	if len(p.Statements) > 0 {
		first = p.Statements[0]
	}
	return ms(prop("IsNested", clixml.Bool(p.IsNested)), prop("ExtraCmds", extra), prop("Cmds", cmds(first)),
		prop("History", strOrNil(p.History)), prop("RedirectShellErrorOutputPipe", clixml.Bool(p.RedirectShellErrorOutputPipe)))
}

func parseCommands(l *clixml.Object) []Command {
	var out []Command
	if l == nil {
		return nil
	}
	for _, it := range l.Items {
		if o, ok := it.(*clixml.Object); ok {
			out = append(out, parseCommand(o))
		}
	}
	return out
}

func parsePowerShell(o *clixml.Object) PowerShell {
	r := reader{o: o}
	p := PowerShell{IsNested: r.bool("IsNested", false), RedirectShellErrorOutputPipe: r.bool("RedirectShellErrorOutputPipe", false)}
	if h, ok := r.strPtr("History", false); ok {
		p.History = &h
	}
	if extra := r.obj("ExtraCmds", false); extra != nil {
		for _, it := range extra.Items {
			so, _ := it.(*clixml.Object)
			p.Statements = append(p.Statements, parseCommands((&reader{o: so}).obj("Cmds", false)))
		}
		return p
	}
	p.Statements = [][]Command{parseCommands(r.obj("Cmds", false))}
	return p
}

// CreatePipelineMsg is CREATE_PIPELINE (MS-PSRP 2.2.2.10).
type CreatePipelineMsg struct {
	NoInput             bool
	ApartmentState      ApartmentState
	RemoteStreamOptions RemoteStreamOptions
	AddToHistory        bool
	Host                HostInfo
	PowerShell          PowerShell
	IsNested            bool
	// Protocol is the negotiated protocol version, which decides the Merge*
	// members written (see Command); zero means 2.3.
	Protocol clixml.Version
}

var (
	version22 = clixml.Version{Major: 2, Minor: 2, Build: -1, Revision: -1}
	version23 = clixml.Version{Major: 2, Minor: 3, Build: -1, Revision: -1}
)

func (CreatePipelineMsg) MessageType() MessageType { return CreatePipeline }

func (m CreatePipelineMsg) Value() (clixml.Value, error) {
	proto := m.Protocol
	if proto == (clixml.Version{}) {
		proto = version23
	}
	return ms(prop("NoInput", clixml.Bool(m.NoInput)), prop("ApartmentState", apartmentNames.value(int32(m.ApartmentState))),
		prop("RemoteStreamOptions", streamOptionNames.value(int32(m.RemoteStreamOptions))),
		prop("AddToHistory", clixml.Bool(m.AddToHistory)), prop("HostInfo", m.Host.Value()),
		prop("PowerShell", m.PowerShell.value(proto)), prop("IsNested", clixml.Bool(m.IsNested))), nil
}

func parseCreatePipeline(o *clixml.Object) (Body, error) {
	r := reader{o: o}
	m := CreatePipelineMsg{NoInput: r.bool("NoInput", true), ApartmentState: ApartmentState(r.int("ApartmentState", true)),
		RemoteStreamOptions: RemoteStreamOptions(r.int("RemoteStreamOptions", true)), AddToHistory: r.bool("AddToHistory", true),
		IsNested: r.bool("IsNested", true)}
	if h := r.obj("HostInfo", true); h != nil {
		hi, err := parseHostInfo(h)
		if err != nil {
			return m, err
		}
		m.Host = hi
	}
	m.PowerShell = parsePowerShell(r.obj("PowerShell", true))
	m.Protocol = version23
	if cmd := firstCommandObject(r.obj("PowerShell", false)); cmd != nil {
		if _, ok := cmd.Get("MergeInformation"); !ok {
			m.Protocol = version22
			if _, ok := cmd.Get("MergeError"); !ok {
				m.Protocol = clixml.Version{Major: 2, Minor: 1, Build: -1, Revision: -1}
			}
		}
	}
	return m, r.err
}

func firstCommandObject(ps *clixml.Object) *clixml.Object {
	cmds := (&reader{o: ps}).obj("Cmds", false)
	if cmds == nil || len(cmds.Items) == 0 {
		return nil
	}
	o, _ := cmds.Items[0].(*clixml.Object)
	return o
}

// DataMsg is PIPELINE_INPUT or PIPELINE_OUTPUT: one object.
type DataMsg struct {
	Type MessageType // PipelineInput or PipelineOutput
	Data clixml.Value
}

func (m DataMsg) MessageType() MessageType     { return m.Type }
func (m DataMsg) Value() (clixml.Value, error) { return m.Data, nil }

// EndOfPipelineInputMsg is END_OF_PIPELINE_INPUT; its Data is empty.
type EndOfPipelineInputMsg struct{}

func (EndOfPipelineInputMsg) MessageType() MessageType     { return EndOfPipelineInput }
func (EndOfPipelineInputMsg) Value() (clixml.Value, error) { return nil, nil }

// PipelineStateMsg is PIPELINE_STATE; Error is the ExceptionAsErrorRecord
// of a Failed (or Stopped) pipeline.
type PipelineStateMsg struct {
	State PipelineStateValue
	Error *ErrorRecordMsg
}

func (PipelineStateMsg) MessageType() MessageType { return PipelineState }

func (m PipelineStateMsg) Value() (clixml.Value, error) {
	return stateValue("PipelineState", int32(m.State), m.Error), nil
}

func parsePipelineState(o *clixml.Object) (Body, error) {
	n, e, err := parseState(o, "PipelineState")
	return PipelineStateMsg{State: PipelineStateValue(n), Error: e}, err
}

// GetCommandMetadataMsg is GET_COMMAND_METADATA (Get-Command over the
// wire); the answer is PIPELINE_OUTPUT on the same pipeline id.
type GetCommandMetadataMsg struct {
	Names        []string
	CommandType  int32 // CommandTypes flags; 511 is All
	Namespace    []string
	ArgumentList []clixml.Value
}

func (GetCommandMetadataMsg) MessageType() MessageType { return GetCommandMetadata }

func stringArray(typeName string, ss []string) clixml.Value {
	if ss == nil {
		return clixml.Nil{}
	}
	l := list([]string{typeName, "System.Array", "System.Object"})
	for _, s := range ss {
		l.Items = append(l.Items, clixml.String(s))
	}
	return l
}

func (m GetCommandMetadataMsg) Value() (clixml.Value, error) {
	var args clixml.Value = clixml.Nil{}
	if m.ArgumentList != nil {
		args = list([]string{"System.Object[]", "System.Array", "System.Object"}, m.ArgumentList...)
	}
	return ms(prop("Name", stringArray("System.String[]", m.Names)), prop("CommandType", clixml.Int32(m.CommandType)),
		prop("Namespace", stringArray("System.Object[]", m.Namespace)), prop("ArgumentList", args)), nil
}

func stringItems(o *clixml.Object) []string {
	if o == nil {
		return nil
	}
	out := make([]string, 0, len(o.Items))
	for _, it := range o.Items {
		s, _ := clixml.AsString(it)
		out = append(out, s)
	}
	return out
}

func parseGetCommandMetadata(o *clixml.Object) (Body, error) {
	r := reader{o: o}
	m := GetCommandMetadataMsg{Names: stringItems(r.obj("Name", false)), CommandType: int32(r.int("CommandType", false)),
		Namespace: stringItems(r.obj("Namespace", false))}
	if a := r.obj("ArgumentList", false); a != nil {
		m.ArgumentList = a.Items
	}
	return m, r.err
}
