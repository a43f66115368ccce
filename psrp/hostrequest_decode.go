package psrp

import (
	"fmt"

	"github.com/psgate/psgate/psrp/clixml"
)

// Request decodes the call's parameters into the typed request of its
// method.
func (m HostCallMsg) Request() (HostRequest, error) {
	p := &params{v: m.Params}
	req := m.request(p)
	if p.err != nil {
		return nil, fmt.Errorf("host call %d %s: %w", m.CallID, m.Method, p.err)
	}
	return req, nil
}

func (m HostCallMsg) request(p *params) HostRequest {
	switch m.Method {
	case HostReadLine, HostReadLineAsSecureString:
		return ReadLineRequest{Secure: m.Method == HostReadLineAsSecureString}
	case HostWrite1, HostWriteLine2:
		return WriteRequest{Text: p.str(0), NewLine: m.Method == HostWriteLine2}
	case HostWriteLine1:
		return WriteRequest{NewLine: true}
	case HostWrite2, HostWriteLine3:
		return WriteRequest{Foreground: ConsoleColor(p.int(0)), Background: ConsoleColor(p.int(1)), Text: p.str(2),
			Colors: true, NewLine: m.Method == HostWriteLine3}
	case HostWriteErrorLine, HostWriteDebugLine, HostWriteVerboseLine, HostWriteWarningLine:
		return WriteStreamRequest{Method: m.Method, Text: p.str(0)}
	case HostWriteProgress:
		return writeProgress(p)
	case HostPrompt:
		return prompt(p)
	case HostPromptForCredential1, HostPromptForCredential2:
		return credential(p, m.Method == HostPromptForCredential2)
	case HostPromptForChoice, HostPromptForChoiceMultipleSelection:
		return choice(p, m.Method == HostPromptForChoiceMultipleSelection)
	case HostSetShouldExit:
		return SetShouldExitRequest{ExitCode: p.int(0)}
	case HostSetForegroundColor, HostSetBackgroundColor:
		return SetColorRequest{Background: m.Method == HostSetBackgroundColor, Color: ConsoleColor(p.int(0))}
	case HostSetCursorPosition, HostSetWindowPosition:
		return SetPositionRequest{Window: m.Method == HostSetWindowPosition, Position: parseCoordinates(p.obj(0))}
	case HostSetCursorSize:
		return SetCursorSizeRequest{Size: p.int(0)}
	case HostSetBufferSize, HostSetWindowSize:
		return SetSizeRequest{Window: m.Method == HostSetWindowSize, Size: parseSize(p.obj(0))}
	case HostSetWindowTitle:
		return SetWindowTitleRequest{Title: p.str(0)}
	case HostReadKey:
		return ReadKeyRequest{Options: p.int(0)}
	case HostSetBufferContents1:
		return FillRequest{Rectangle: parseRectangle(p.obj(0)), Fill: parseBufferCell(p.at(1))}
	case HostSetBufferContents2:
		return setBuffer(p)
	case HostGetBufferContents:
		return GetBufferRequest{Rectangle: parseRectangle(p.obj(0))}
	case HostScrollBufferContents:
		return ScrollRequest{Source: parseRectangle(p.obj(0)), Destination: parseCoordinates(p.obj(1)),
			Clip: parseRectangle(p.obj(2)), Fill: parseBufferCell(p.at(3))}
	}
	return NoParams{}
}

func writeProgress(p *params) HostRequest {
	v := p.at(0)
	id, ok := clixml.AsInt(v)
	if !ok && p.err == nil {
		p.err = fmt.Errorf("parameter 0: %T is not an integer: %w", v, ErrInvalidBody)
	}
	rec, err := parseProgressRecord(p.obj(1))
	if err != nil && p.err == nil {
		p.err = err
	}
	pr, _ := rec.(*ProgressRecordMsg)
	return WriteProgressRequest{SourceID: id, Record: pr}
}

func prompt(p *params) HostRequest {
	req := PromptRequest{Caption: p.str(0), Message: p.str(1)}
	fields := p.obj(2)
	if fields == nil {
		return req
	}
	for _, it := range fields.Items {
		o, _ := it.(*clixml.Object)
		r := reader{o: o}
		f := FieldDescription{Name: r.str("name", false), Label: r.str("label", false), HelpMessage: r.str("helpMessage", false),
			ParameterTypeName: r.str("parameterTypeName", false), ParameterTypeFullName: r.str("parameterTypeFullName", false),
			IsMandatory: r.bool("isMandatory", false)}
		f.DefaultValue, _ = r.get("defaultValue", false)
		req.Fields = append(req.Fields, f)
	}
	return req
}

func credential(p *params, two bool) HostRequest {
	req := CredentialRequest{Caption: p.str(0), Message: p.str(1), UserName: p.str(2), TargetName: p.str(3)}
	if two {
		req.AllowedTypes, req.Options = p.int(4), p.int(5)
	}
	return req
}

func choice(p *params, multiple bool) HostRequest {
	req := ChoiceRequest{Caption: p.str(0), Message: p.str(1), Multiple: multiple}
	if cs := p.obj(2); cs != nil {
		for _, it := range cs.Items {
			r := reader{}
			r.o, _ = it.(*clixml.Object)
			req.Choices = append(req.Choices, ChoiceDescription{Label: r.str("label", false), HelpMessage: r.str("helpMessage", false)})
		}
	}
	switch d := p.at(3).(type) {
	case *clixml.Object:
		for _, it := range d.Items {
			n, _ := clixml.AsInt(it)
			req.Defaults = append(req.Defaults, int32(n))
		}
	case clixml.Nil, nil:
	default:
		req.Defaults = []int32{p.int(3)}
	}
	return req
}

func setBuffer(p *params) HostRequest {
	req := SetBufferRequest{Origin: parseCoordinates(p.obj(0))}
	r := reader{o: p.obj(1)}
	cells, dims := r.obj("mae", false), r.obj("mal", false)
	if cells == nil || dims == nil || len(dims.Items) != 2 {
		if p.err == nil {
			p.err = fmt.Errorf("parameter 1: not a two-dimensional BufferCell array: %w", ErrInvalidBody)
		}
		return req
	}
	rows, _ := clixml.AsInt(dims.Items[0])
	cols, _ := clixml.AsInt(dims.Items[1])
	if rows < 0 || cols < 0 || rows*cols != int64(len(cells.Items)) {
		if p.err == nil {
			p.err = fmt.Errorf("parameter 1: %dx%d cells, %d given: %w", rows, cols, len(cells.Items), ErrInvalidBody)
		}
		return req
	}
	for i := int64(0); i < rows; i++ {
		row := make([]BufferCell, cols)
		for j := range row {
			row[j] = parseBufferCell(cells.Items[i*cols+int64(j)])
		}
		req.Rows = append(req.Rows, row)
	}
	return req
}
