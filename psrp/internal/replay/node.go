package replay

import (
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
)

// Node is an XML element matched by namespace URI and local name, never by
// prefix, since prefixes differ between clients and servers (s/env, a/wsa,
// w/wsman, p/wsmv).
type Node struct {
	Name     xml.Name
	Attrs    []xml.Attr // without namespace declarations, sorted by name
	Text     string     // the element's own character data, CDATA included
	Children []*Node
}

// ParseXML parses one XML document into its root element's tree.
func ParseXML(doc string) (*Node, error) {
	dec := xml.NewDecoder(strings.NewReader(doc))
	var stack []*Node
	var root *Node
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parsing XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &Node{Name: t.Name, Attrs: elementAttrs(t.Attr)}
			if len(stack) > 0 {
				parent := stack[len(stack)-1]
				parent.Children = append(parent.Children, n)
			} else if root != nil {
				return nil, fmt.Errorf("parsing XML: second root element %s", t.Name.Local)
			} else {
				root = n
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].Text += string(t)
			}
		}
	}
	if root == nil {
		return nil, fmt.Errorf("parsing XML: %w", ErrNoElement)
	}
	return root, nil
}

func elementAttrs(in []xml.Attr) []xml.Attr {
	var out []xml.Attr
	for _, a := range in {
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
			continue
		}
		out = append(out, a)
	}
	slices.SortFunc(out, func(a, b xml.Attr) int {
		if c := strings.Compare(a.Name.Space, b.Name.Space); c != 0 {
			return c
		}
		return strings.Compare(a.Name.Local, b.Name.Local)
	})
	return out
}

// Is reports whether n is the element local in namespace space.
func (n *Node) Is(space, local string) bool {
	return n != nil && n.Name.Space == space && n.Name.Local == local
}

// Find returns the first element, n included, named space/local in
// document order, or nil.
func (n *Node) Find(space, local string) *Node {
	if n == nil {
		return nil
	}
	if n.Is(space, local) {
		return n
	}
	for _, c := range n.Children {
		if f := c.Find(space, local); f != nil {
			return f
		}
	}
	return nil
}

// FindAll returns every element, n included, named space/local in document
// order.
func (n *Node) FindAll(space, local string) []*Node {
	if n == nil {
		return nil
	}
	var out []*Node
	if n.Is(space, local) {
		out = append(out, n)
	}
	for _, c := range n.Children {
		out = append(out, c.FindAll(space, local)...)
	}
	return out
}

// Attr returns the value of the attribute with the given local name, in no
// namespace (ShellId, CommandId, Name, End).
func (n *Node) Attr(local string) (string, bool) {
	if n == nil {
		return "", false
	}
	for _, a := range n.Attrs {
		if a.Name.Space == "" && a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// TrimmedText returns n's character data without surrounding white space,
// or "" for a nil n.
func (n *Node) TrimmedText() string {
	if n == nil {
		return ""
	}
	return strings.TrimSpace(n.Text)
}
