package psrp

import "github.com/psgate/psgate/psrp/clixml"

// HostMethod is System.Management.Automation.Remoting.RemoteHostMethodId
// (MS-PSRP 2.2.3.17), the "mi" of a host call, sent as an enum object with
// its name and number.
type HostMethod int32

// The host methods.
const (
	HostGetName HostMethod = iota + 1
	HostGetVersion
	HostGetInstanceID
	HostGetCurrentCulture
	HostGetCurrentUICulture
	HostSetShouldExit
	HostEnterNestedPrompt
	HostExitNestedPrompt
	HostNotifyBeginApplication
	HostNotifyEndApplication
	HostReadLine
	HostReadLineAsSecureString
	HostWrite1
	HostWrite2
	HostWriteLine1
	HostWriteLine2
	HostWriteLine3
	HostWriteErrorLine
	HostWriteDebugLine
	HostWriteProgress
	HostWriteVerboseLine
	HostWriteWarningLine
	HostPrompt
	HostPromptForCredential1
	HostPromptForCredential2
	HostPromptForChoice
	HostGetForegroundColor
	HostSetForegroundColor
	HostGetBackgroundColor
	HostSetBackgroundColor
	HostGetCursorPosition
	HostSetCursorPosition
	HostGetWindowPosition
	HostSetWindowPosition
	HostGetCursorSize
	HostSetCursorSize
	HostGetBufferSize
	HostSetBufferSize
	HostGetWindowSize
	HostSetWindowSize
	HostGetWindowTitle
	HostSetWindowTitle
	HostGetMaxWindowSize
	HostGetMaxPhysicalWindowSize
	HostGetKeyAvailable
	HostReadKey
	HostFlushInputBuffer
	HostSetBufferContents1
	HostSetBufferContents2
	HostGetBufferContents
	HostScrollBufferContents
	HostPushRunspace
	HostPopRunspace
	HostGetIsRunspacePushed
	HostGetRunspace
	HostPromptForChoiceMultipleSelection
)

var hostMethodNames = enumNames{"System.Management.Automation.Remoting.RemoteHostMethodId", []string{"",
	"GetName", "GetVersion", "GetInstanceId", "GetCurrentCulture", "GetCurrentUICulture", "SetShouldExit",
	"EnterNestedPrompt", "ExitNestedPrompt", "NotifyBeginApplication", "NotifyEndApplication", "ReadLine",
	"ReadLineAsSecureString", "Write1", "Write2", "WriteLine1", "WriteLine2", "WriteLine3", "WriteErrorLine",
	"WriteDebugLine", "WriteProgress", "WriteVerboseLine", "WriteWarningLine", "Prompt", "PromptForCredential1",
	"PromptForCredential2", "PromptForChoice", "GetForegroundColor", "SetForegroundColor", "GetBackgroundColor",
	"SetBackgroundColor", "GetCursorPosition", "SetCursorPosition", "GetWindowPosition", "SetWindowPosition",
	"GetCursorSize", "SetCursorSize", "GetBufferSize", "SetBufferSize", "GetWindowSize", "SetWindowSize",
	"GetWindowTitle", "SetWindowTitle", "GetMaxWindowSize", "GetMaxPhysicalWindowSize", "GetKeyAvailable",
	"ReadKey", "FlushInputBuffer", "SetBufferContents1", "SetBufferContents2", "GetBufferContents",
	"ScrollBufferContents", "PushRunspace", "PopRunspace", "GetIsRunspacePushed", "GetRunspace",
	"PromptForChoiceMultipleSelection"}}

func (m HostMethod) String() string { return hostMethodNames.name(int32(m)) }

// Known reports whether m is a method MS-PSRP lists.
func (m HostMethod) Known() bool {
	return m >= HostGetName && m <= HostPromptForChoiceMultipleSelection
}

func (m HostMethod) value() *clixml.Object { return hostMethodNames.value(int32(m)) }

// voidCallID is the call id the server gives a host call it expects no
// reply to (MS-PSRP 3.2.5.4.13 uses -100 for void methods).
const voidCallID = -100
