package psrp

import (
	"fmt"
	"strings"

	"github.com/psgate/psgate/psrp/clixml"
)

// HostRequest is the typed parameter list of a host call (see
// HostCallMsg.Request). The set is closed; methods without parameters
// (the getters, GetName …) decode to NoParams.
type HostRequest interface{ hostRequest() }

// NoParams is a call without parameters.
type NoParams struct{}

// ReadLineRequest is ReadLine, or ReadLineAsSecureString when Secure.
type ReadLineRequest struct{ Secure bool }

// WriteRequest is Write1/2 and WriteLine1/2/3: text, optionally in colors,
// optionally ending the line.
type WriteRequest struct {
	Text                   string
	NewLine, Colors        bool
	Foreground, Background ConsoleColor
}

// WriteStreamRequest is WriteErrorLine, WriteDebugLine, WriteVerboseLine or
// WriteWarningLine (Method says which).
type WriteStreamRequest struct {
	Method HostMethod
	Text   string
}

// WriteProgressRequest is WriteProgress.
type WriteProgressRequest struct {
	SourceID int64
	Record   *ProgressRecordMsg
}

// FieldDescription is one field of Prompt.
type FieldDescription struct {
	Name, Label, HelpMessage                 string
	ParameterTypeName, ParameterTypeFullName string
	IsMandatory                              bool
	DefaultValue                             clixml.Value
}

// PromptRequest is Prompt; the reply is PromptResult.
type PromptRequest struct {
	Caption, Message string
	Fields           []FieldDescription
}

// CredentialRequest is PromptForCredential1/2; the reply is CredentialResult.
type CredentialRequest struct {
	Caption, Message, UserName, TargetName string
	// AllowedTypes and Options are PSCredentialTypes and
	// PSCredentialUIOptions (PromptForCredential2 only).
	AllowedTypes, Options int32
}

// ChoiceDescription is one choice of PromptForChoice; the hot key is the
// letter after '&' in Label.
type ChoiceDescription struct{ Label, HelpMessage string }

// HotKey is the choice's accelerator, 0 if none.
func (c ChoiceDescription) HotKey() rune {
	i := strings.IndexByte(c.Label, '&')
	if i < 0 || i+1 >= len(c.Label) {
		return 0
	}
	return []rune(c.Label[i+1:])[0]
}

// ChoiceRequest is PromptForChoice (one Default, reply an Int32 index) or
// PromptForChoiceMultipleSelection (Multiple; reply a collection of Int32).
type ChoiceRequest struct {
	Caption, Message string
	Choices          []ChoiceDescription
	Defaults         []int32
	Multiple         bool
}

// SetShouldExitRequest is SetShouldExit (exit was called).
type SetShouldExitRequest struct{ ExitCode int32 }

// SetColorRequest is SetForegroundColor or SetBackgroundColor.
type SetColorRequest struct {
	Background bool
	Color      ConsoleColor
}

// SetPositionRequest is SetCursorPosition or SetWindowPosition.
type SetPositionRequest struct {
	Window   bool
	Position Coordinates
}

// SetCursorSizeRequest is SetCursorSize.
type SetCursorSizeRequest struct{ Size int32 }

// SetSizeRequest is SetBufferSize or SetWindowSize.
type SetSizeRequest struct {
	Window bool
	Size   Size
}

// SetWindowTitleRequest is SetWindowTitle.
type SetWindowTitleRequest struct{ Title string }

// ReadKeyRequest is ReadKey (Options: ReadKeyOptions flags); the reply is
// a KeyInfo.
type ReadKeyRequest struct{ Options int32 }

// Rectangle is System.Management.Automation.Host.Rectangle.
type Rectangle struct{ Left, Top, Right, Bottom int32 }

// BufferCell is System.Management.Automation.Host.BufferCell.
type BufferCell struct {
	Character              rune
	Foreground, Background ConsoleColor
	CellType               int32 // BufferCellType: Complete, Leading, Trailing
}

// FillRequest is SetBufferContents1: fill a rectangle with one cell.
type FillRequest struct {
	Rectangle Rectangle
	Fill      BufferCell
}

// SetBufferRequest is SetBufferContents2: write rows of cells at Origin.
type SetBufferRequest struct {
	Origin Coordinates
	Rows   [][]BufferCell
}

// GetBufferRequest is GetBufferContents.
type GetBufferRequest struct{ Rectangle Rectangle }

// ScrollRequest is ScrollBufferContents.
type ScrollRequest struct {
	Source      Rectangle
	Destination Coordinates
	Clip        Rectangle
	Fill        BufferCell
}

func (NoParams) hostRequest()              {}
func (ReadLineRequest) hostRequest()       {}
func (WriteRequest) hostRequest()          {}
func (WriteStreamRequest) hostRequest()    {}
func (WriteProgressRequest) hostRequest()  {}
func (PromptRequest) hostRequest()         {}
func (CredentialRequest) hostRequest()     {}
func (ChoiceRequest) hostRequest()         {}
func (SetShouldExitRequest) hostRequest()  {}
func (SetColorRequest) hostRequest()       {}
func (SetPositionRequest) hostRequest()    {}
func (SetCursorSizeRequest) hostRequest()  {}
func (SetSizeRequest) hostRequest()        {}
func (SetWindowTitleRequest) hostRequest() {}
func (ReadKeyRequest) hostRequest()        {}
func (FillRequest) hostRequest()           {}
func (SetBufferRequest) hostRequest()      {}
func (GetBufferRequest) hostRequest()      {}
func (ScrollRequest) hostRequest()         {}

// params reads the positional parameters of one call and keeps the first
// problem.
type params struct {
	v   []clixml.Value
	err error
}

func (p *params) at(i int) clixml.Value {
	if i < len(p.v) {
		return p.v[i]
	}
	if p.err == nil {
		p.err = fmt.Errorf("parameter %d missing (%d given): %w", i, len(p.v), ErrInvalidBody)
	}
	return nil
}

func (p *params) int(i int) int32 {
	v := p.at(i)
	n, ok := clixml.AsInt(v)
	if !ok && p.err == nil {
		p.err = fmt.Errorf("parameter %d: %T is not an integer: %w", i, v, ErrInvalidBody)
	}
	return int32(n)
}

func (p *params) str(i int) string {
	v := p.at(i)
	if _, isNil := v.(clixml.Nil); isNil {
		return ""
	}
	s, ok := clixml.AsString(v)
	if !ok && p.err == nil {
		p.err = fmt.Errorf("parameter %d: %T is not a string: %w", i, v, ErrInvalidBody)
	}
	return s
}

func (p *params) obj(i int) *clixml.Object {
	v := p.at(i)
	o, ok := v.(*clixml.Object)
	if !ok && p.err == nil {
		p.err = fmt.Errorf("parameter %d: %T is not an object: %w", i, v, ErrInvalidBody)
	}
	return o
}

func parseRectangle(o *clixml.Object) Rectangle {
	r := reader{o: o}
	return Rectangle{Left: int32(r.int("left", false)), Top: int32(r.int("top", false)),
		Right: int32(r.int("right", false)), Bottom: int32(r.int("bottom", false))}
}

func parseBufferCell(v clixml.Value) BufferCell {
	o, _ := v.(*clixml.Object)
	r := reader{o: o}
	return BufferCell{Character: rune(r.int("character", false)), Foreground: ConsoleColor(r.int("foregroundColor", false)),
		Background: ConsoleColor(r.int("backgroundColor", false)), CellType: int32(r.int("bufferCellType", false))}
}
