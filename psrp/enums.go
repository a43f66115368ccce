package psrp

import (
	"strconv"

	"github.com/psgate/psgate/psrp/clixml"
)

// enumNames names the values of one .NET enum as the wire writes them.
type enumNames struct {
	typeName string
	names    []string // by value; "" where none
}

func (e enumNames) name(n int32) string {
	if n >= 0 && int(n) < len(e.names) && e.names[n] != "" {
		return e.names[n]
	}
	return strconv.Itoa(int(n))
}

func (e enumNames) value(n int32) *clixml.Object { return clixml.NewEnum(e.typeName, e.name(n), n) }

// PSThreadOptions is System.Management.Automation.Runspaces.PSThreadOptions.
type PSThreadOptions int32

// The PSThreadOptions values.
const (
	ThreadOptionsDefault PSThreadOptions = iota
	ThreadOptionsUseNewThread
	ThreadOptionsReuseThread
	ThreadOptionsUseCurrentThread
)

var threadOptionNames = enumNames{"System.Management.Automation.Runspaces.PSThreadOptions",
	[]string{"Default", "UseNewThread", "ReuseThread", "UseCurrentThread"}}

func (t PSThreadOptions) String() string { return threadOptionNames.name(int32(t)) }

// ApartmentState is System.Threading.ApartmentState as PSRP sends it. The
// name of Unknown is written "UNKNOWN", as pypsrp (and so the recordings)
// spell it; the server reads only the number.
type ApartmentState int32

// The ApartmentState values.
const (
	ApartmentSTA ApartmentState = iota
	ApartmentMTA
	ApartmentUnknown
)

var apartmentNames = enumNames{"System.Management.Automation.Runspaces.ApartmentState", []string{"STA", "MTA", "UNKNOWN"}}

func (a ApartmentState) String() string { return apartmentNames.name(int32(a)) }

// RemoteStreamOptions says which records carry their InvocationInfo
// (flags; AddInvocationInfo = all four).
type RemoteStreamOptions int32

// The RemoteStreamOptions values.
const (
	StreamOptionsNone RemoteStreamOptions = 0
	// AddInvocationInfo is AddInvocationInfoToErrorRecord | …Warning… | …Debug… | …Verbose….
	AddInvocationInfo RemoteStreamOptions = 15
)

var streamOptionNames = enumNames{"System.Management.Automation.Runspaces.RemoteStreamOptions",
	[]string{0: "None", 1: "AddInvocationInfoToErrorRecord", 2: "AddInvocationInfoToWarningRecord",
		4: "AddInvocationInfoToDebugRecord", 8: "AddInvocationInfoToVerboseRecord", 15: "AddInvocationInfo"}}

func (o RemoteStreamOptions) String() string { return streamOptionNames.name(int32(o)) }

// PipelineResultTypes names a stream for the Merge* settings of a command.
type PipelineResultTypes int32

// The PipelineResultTypes values.
const (
	ResultNone PipelineResultTypes = iota
	ResultOutput
	ResultError
	ResultWarning
	ResultVerbose
	ResultDebug
	ResultInformation
	ResultAll
	ResultNull
)

var resultTypeNames = enumNames{"System.Management.Automation.Runspaces.PipelineResultTypes",
	[]string{"None", "Output", "Error", "Warning", "Verbose", "Debug", "Information", "All", "Null"}}

func (r PipelineResultTypes) String() string { return resultTypeNames.name(int32(r)) }

// RunspacePoolStateValue is a runspace pool state (MS-PSRP 2.2.3.4).
type RunspacePoolStateValue int32

// The runspace pool states.
const (
	PoolBeforeOpen RunspacePoolStateValue = iota
	PoolOpening
	PoolOpened
	PoolClosed
	PoolClosing
	PoolBroken
	PoolNegotiationSent
	PoolNegotiationSucceeded
	PoolConnecting
	PoolDisconnected
)

var poolStateNames = enumNames{"System.Management.Automation.Runspaces.RunspacePoolState",
	[]string{"BeforeOpen", "Opening", "Opened", "Closed", "Closing", "Broken", "NegotiationSent",
		"NegotiationSucceeded", "Connecting", "Disconnected"}}

func (s RunspacePoolStateValue) String() string { return poolStateNames.name(int32(s)) }

// PipelineStateValue is a pipeline state (MS-PSRP 2.2.3.5).
type PipelineStateValue int32

// The pipeline states.
const (
	PipelineNotStarted PipelineStateValue = iota
	PipelineRunning
	PipelineStopping
	PipelineStopped
	PipelineCompleted
	PipelineFailed
	PipelineDisconnected
)

var pipelineStateNames = enumNames{"System.Management.Automation.PSInvocationState",
	[]string{"NotStarted", "Running", "Stopping", "Stopped", "Completed", "Failed", "Disconnected"}}

func (s PipelineStateValue) String() string { return pipelineStateNames.name(int32(s)) }

// Terminal reports whether no more messages follow for the pipeline.
func (s PipelineStateValue) Terminal() bool {
	return s == PipelineStopped || s == PipelineCompleted || s == PipelineFailed
}

// ConsoleColor is System.ConsoleColor.
type ConsoleColor int32

// The console colors.
const (
	Black ConsoleColor = iota
	DarkBlue
	DarkGreen
	DarkCyan
	DarkRed
	DarkMagenta
	DarkYellow
	Gray
	DarkGray
	Blue
	Green
	Cyan
	Red
	Magenta
	Yellow
	White
)

var colorNames = enumNames{"System.ConsoleColor", []string{"Black", "DarkBlue", "DarkGreen", "DarkCyan",
	"DarkRed", "DarkMagenta", "DarkYellow", "Gray", "DarkGray", "Blue", "Green", "Cyan", "Red", "Magenta",
	"Yellow", "White"}}

func (c ConsoleColor) String() string { return colorNames.name(int32(c)) }
