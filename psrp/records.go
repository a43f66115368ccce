package psrp

import (
	"github.com/psgate/psgate/psrp/clixml"
)

// ErrorRecordMsg is a serialized System.Management.Automation.ErrorRecord
// (MS-PSRP 2.2.3.15): the body of ERROR_RECORD and the
// ExceptionAsErrorRecord of PIPELINE_STATE and RUNSPACEPOOL_STATE. The
// commonly shown fields are lifted out; Raw keeps the whole object.
type ErrorRecordMsg struct {
	// Text is the record's ToString, what PowerShell prints first.
	Text string
	// Message and ExceptionType are the exception's Message and its most
	// derived type name.
	Message, ExceptionType string
	FullyQualifiedErrorID  string
	// Category is the ErrorCategory number; CategoryMessage its display
	// form ("NotSpecified: (:) [Write-Error], WriteErrorException").
	Category                                               int32
	CategoryActivity, CategoryReason, CategoryMessage      string
	CategoryTargetName, CategoryTargetType                 string
	TargetObject                                           clixml.Value
	PositionMessage, ScriptStackTrace, ErrorDetailsMessage string
	Raw                                                    *clixml.Object
}

// MessageType is ERROR_RECORD.
func (*ErrorRecordMsg) MessageType() MessageType { return ErrorRecord }

// Value is the record's object (see Object).
func (e *ErrorRecordMsg) Value() (clixml.Value, error) { return e.Object(), nil }

// Object is Raw when the record was decoded, else a minimal ErrorRecord
// built from the fields (what psgate's simulator sends).
func (e *ErrorRecordMsg) Object() *clixml.Object {
	if e.Raw != nil {
		return e.Raw
	}
	exc := &clixml.Object{TypeNames: []string{e.ExceptionType, "System.Exception", "System.Object"},
		ToString: ptr(e.ExceptionType + ": " + e.Message),
		Props:    []clixml.Property{prop("Message", clixml.String(e.Message))}}
	if e.ExceptionType == "" {
		exc.TypeNames = exc.TypeNames[1:]
	}
	var target clixml.Value = clixml.Nil{}
	if e.TargetObject != nil {
		target = e.TargetObject
	}
	return &clixml.Object{TypeNames: []string{"System.Management.Automation.ErrorRecord", "System.Object"},
		ToString: ptr(e.Text), Members: []clixml.Property{
			prop("Exception", exc), prop("TargetObject", target),
			prop("FullyQualifiedErrorId", clixml.String(e.FullyQualifiedErrorID)),
			prop("InvocationInfo", clixml.Nil{}),
			prop("ErrorCategory_Category", clixml.Int32(e.Category)),
			prop("ErrorCategory_Activity", clixml.String(e.CategoryActivity)),
			prop("ErrorCategory_Reason", clixml.String(e.CategoryReason)),
			prop("ErrorCategory_TargetName", clixml.String(e.CategoryTargetName)),
			prop("ErrorCategory_TargetType", clixml.String(e.CategoryTargetType)),
			prop("ErrorCategory_Message", clixml.String(e.CategoryMessage)),
			prop("SerializeExtendedInfo", clixml.Bool(false)),
		}}
}

// Error makes the record an error: its text, else the exception message.
func (e *ErrorRecordMsg) Error() string {
	if e.Text != "" {
		return e.Text
	}
	return e.Message
}

func ptr[T any](v T) *T { return &v }

// parseErrorRecord lifts the fields out of an ErrorRecord object; missing
// fields stay empty (Windows omits many).
func parseErrorRecord(o *clixml.Object) *ErrorRecordMsg {
	r := reader{o: o}
	e := &ErrorRecordMsg{Raw: o,
		FullyQualifiedErrorID: r.str("FullyQualifiedErrorId", false),
		Category:              int32(r.int("ErrorCategory_Category", false)),
		CategoryActivity:      r.str("ErrorCategory_Activity", false),
		CategoryReason:        r.str("ErrorCategory_Reason", false),
		CategoryTargetName:    r.str("ErrorCategory_TargetName", false),
		CategoryTargetType:    r.str("ErrorCategory_TargetType", false),
		CategoryMessage:       r.str("ErrorCategory_Message", false),
		PositionMessage:       r.str("InvocationInfo_PositionMessage", false),
		ScriptStackTrace:      r.str("ErrorDetails_ScriptStackTrace", false),
		ErrorDetailsMessage:   r.str("ErrorDetails_Message", false),
	}
	e.TargetObject, _ = r.get("TargetObject", false)
	if o != nil && o.ToString != nil {
		e.Text = *o.ToString
	}
	if exc := r.obj("Exception", false); exc != nil {
		e.Message = (&reader{o: exc}).str("Message", false)
		if len(exc.TypeNames) > 0 {
			e.ExceptionType = exc.TypeNames[0]
		}
	}
	if inv := r.obj("InvocationInfo", false); inv != nil && e.PositionMessage == "" {
		e.PositionMessage = (&reader{o: inv}).str("PositionMessage", false)
	}
	if e.Text == "" {
		e.Text = e.Message
	}
	return e
}

// InformationalRecordMsg is a DEBUG_RECORD, VERBOSE_RECORD or
// WARNING_RECORD (MS-PSRP 2.2.3.16).
type InformationalRecordMsg struct {
	Type    MessageType // DebugRecord, VerboseRecord or WarningRecord
	Message string
	Raw     *clixml.Object
}

// MessageType is the record's stream.
func (m *InformationalRecordMsg) MessageType() MessageType { return m.Type }

// Value is Raw when decoded, else the record without InvocationInfo.
func (m *InformationalRecordMsg) Value() (clixml.Value, error) {
	if m.Raw != nil {
		return m.Raw, nil
	}
	name := map[MessageType]string{DebugRecord: "DebugRecord", VerboseRecord: "VerboseRecord", WarningRecord: "WarningRecord"}[m.Type]
	return &clixml.Object{TypeNames: []string{"System.Management.Automation." + name, "System.Management.Automation.InformationalRecord", "System.Object"},
		ToString: ptr(m.Message), Members: []clixml.Property{
			prop("InformationalRecord_Message", clixml.String(m.Message)),
			prop("InformationalRecord_SerializeInvocationInfo", clixml.Bool(false)),
		}}, nil
}

func parseInformational(t MessageType) func(*clixml.Object) (Body, error) {
	return func(o *clixml.Object) (Body, error) {
		r := reader{o: o}
		m := &InformationalRecordMsg{Type: t, Raw: o, Message: r.str("InformationalRecord_Message", false)}
		if m.Message == "" && o.ToString != nil {
			m.Message = *o.ToString
		}
		return m, r.err
	}
}

// InformationRecordMsg is INFORMATION_RECORD (protocol 2.3, Write-Information
// and Write-Host).
type InformationRecordMsg struct {
	MessageData                                clixml.Value
	Source, User, Computer                     string
	TimeGenerated                              clixml.DateTime
	Tags                                       []string
	ProcessID, NativeThreadID, ManagedThreadID uint32
	Raw                                        *clixml.Object
}

func (*InformationRecordMsg) MessageType() MessageType { return InformationRecord }

// Value is Raw when decoded, else the record from the fields.
func (m *InformationRecordMsg) Value() (clixml.Value, error) {
	if m.Raw != nil {
		return m.Raw, nil
	}
	tags := &clixml.Object{TypeNames: []string{"System.Collections.Generic.List`1[[System.String, mscorlib, Version=4.0.0.0, Culture=neutral, PublicKeyToken=b77a5c561934e089]]", "System.Object"}, Kind: clixml.List}
	for _, t := range m.Tags {
		tags.Items = append(tags.Items, clixml.String(t))
	}
	var data clixml.Value = clixml.Nil{}
	if m.MessageData != nil {
		data = m.MessageData
	}
	return ms(prop("MessageData", data), prop("Source", clixml.String(m.Source)), prop("TimeGenerated", m.TimeGenerated),
		prop("Tags", tags), prop("User", clixml.String(m.User)), prop("Computer", clixml.String(m.Computer)),
		prop("ProcessId", clixml.UInt32(m.ProcessID)), prop("NativeThreadId", clixml.UInt32(m.NativeThreadID)),
		prop("ManagedThreadId", clixml.UInt32(m.ManagedThreadID))), nil
}

// Text is the message data as text (Write-Host's HostInformationMessage
// carries it in a Message property).
func (m *InformationRecordMsg) Text() string {
	if s, ok := clixml.AsString(m.MessageData); ok {
		return s
	}
	if o, ok := m.MessageData.(*clixml.Object); ok {
		if s := (&reader{o: o}).str("Message", false); s != "" {
			return s
		}
		if o.ToString != nil {
			return *o.ToString
		}
	}
	return ""
}

func parseInformationRecord(o *clixml.Object) (Body, error) {
	r := reader{o: o}
	m := &InformationRecordMsg{Raw: o, Source: r.str("Source", false), User: r.str("User", false), Computer: r.str("Computer", false),
		ProcessID: uint32(r.int("ProcessId", false)), NativeThreadID: uint32(r.int("NativeThreadId", false)),
		ManagedThreadID: uint32(r.int("ManagedThreadId", false))}
	m.MessageData, _ = r.get("MessageData", false)
	if v, ok := r.get("TimeGenerated", false); ok {
		m.TimeGenerated, _ = v.(clixml.DateTime)
	}
	if tags := r.obj("Tags", false); tags != nil {
		for _, t := range tags.Items {
			s, _ := clixml.AsString(t)
			m.Tags = append(m.Tags, s)
		}
	}
	return m, r.err
}

// ProgressRecordMsg is PROGRESS_RECORD (MS-PSRP 2.2.3.18), also the
// record of a WriteProgress host call.
type ProgressRecordMsg struct {
	Activity          string
	ActivityID        int32
	StatusDescription string
	CurrentOperation  *string
	ParentActivityID  int32
	PercentComplete   int32
	Completed         bool // ProgressRecordType Completed, else Processing
	SecondsRemaining  int32
}

func (*ProgressRecordMsg) MessageType() MessageType { return ProgressRecord }

var progressTypeNames = enumNames{"System.Management.Automation.ProgressRecordType", []string{"Processing", "Completed"}}

func (m *ProgressRecordMsg) Value() (clixml.Value, error) { return m.object(), nil }

func (m *ProgressRecordMsg) object() *clixml.Object {
	typ := int32(0)
	if m.Completed {
		typ = 1
	}
	return ms(prop("Activity", clixml.String(m.Activity)), prop("ActivityId", clixml.Int32(m.ActivityID)),
		prop("StatusDescription", clixml.String(m.StatusDescription)), prop("CurrentOperation", strOrNil(m.CurrentOperation)),
		prop("ParentActivityId", clixml.Int32(m.ParentActivityID)), prop("PercentComplete", clixml.Int32(m.PercentComplete)),
		prop("Type", progressTypeNames.value(typ)), prop("SecondsRemaining", clixml.Int32(m.SecondsRemaining)))
}

func parseProgressRecord(o *clixml.Object) (Body, error) {
	r := reader{o: o}
	m := &ProgressRecordMsg{Activity: r.str("Activity", true), ActivityID: int32(r.int("ActivityId", true)),
		StatusDescription: r.str("StatusDescription", false), ParentActivityID: int32(r.int("ParentActivityId", false)),
		PercentComplete: int32(r.int("PercentComplete", false)), Completed: r.int("Type", false) == 1,
		SecondsRemaining: int32(r.int("SecondsRemaining", false))}
	if s, ok := r.strPtr("CurrentOperation", false); ok {
		m.CurrentOperation = &s
	}
	return m, r.err
}
