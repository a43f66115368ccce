package replay

import (
	"fmt"
	"regexp"
	"strings"
)

// Normalizer replaces the values that differ between two runs of the same
// exchange, so envelopes can be compared as element trees: GUIDs (with or
// without a "uuid:" prefix, any case) become "<guid-N>", numbered in order of
// first appearance across every tree it normalises, so a RelatesTo that
// equals an earlier MessageID still equals it; xs:dateTime values become
// "<time>"; text loses surrounding white space. Attributes are already in
// name order (ParseXML sorts them), so attribute order never matters.
//
// Use one Normalizer per recording (or per pair of sequences compared).
type Normalizer struct {
	ids map[string]string
	re  *regexp.Regexp
	dt  *regexp.Regexp
}

// NewNormalizer returns a Normalizer with no GUIDs seen yet.
func NewNormalizer() *Normalizer {
	return &Normalizer{
		ids: make(map[string]string),
		re:  regexp.MustCompile(`(?i)[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`),
		dt:  regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$`),
	}
}

// Normalize returns a normalised deep copy of n.
func (z *Normalizer) Normalize(n *Node) *Node {
	if n == nil {
		return nil
	}
	out := &Node{Name: n.Name, Text: z.value(strings.TrimSpace(n.Text))}
	for _, a := range n.Attrs {
		a.Value = z.value(a.Value)
		out.Attrs = append(out.Attrs, a)
	}
	for _, c := range n.Children {
		out.Children = append(out.Children, z.Normalize(c))
	}
	return out
}

func (z *Normalizer) value(s string) string {
	if z.dt.MatchString(s) {
		return "<time>"
	}
	return z.re.ReplaceAllStringFunc(s, func(g string) string {
		key := strings.ToUpper(g)
		if id, ok := z.ids[key]; ok {
			return id
		}
		id := fmt.Sprintf("<guid-%d>", len(z.ids)+1)
		z.ids[key] = id
		return id
	})
}
