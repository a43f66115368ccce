package authz

import (
	"fmt"
	"strconv"
)

// The children of <Rule>, as indexes into ruleFields.
const (
	fID = iota
	fName
	fUser
	fUserType
	fDest
	fDestType
	fConfig
	fUserLocal
	fCompLocal
	fDestIsSID
	nFields
)

// elemNames are the element names by field index, in PSWA's order.
var elemNames = [nFields]string{elemID, elemName, elemUser, elemUserType, elemDest, elemDestType, elemConfig,
	elemUserLocal, elemCompLocal, elemDestIsSID}

// required fields must appear once in every <Rule>.
var required = [...]int{fID, fUser, fUserType, fDest, fDestType, fConfig}

// elemIndex returns the field index of a <Rule> child, or -1.
func elemIndex(name string) int {
	for i, n := range elemNames {
		if n == name {
			return i
		}
	}
	return -1
}

// ruleFields are the trimmed texts of one <Rule>'s children.
type ruleFields struct {
	v   [nFields]string
	has [nFields]bool
}

// fieldErr is a problem with one element of a rule.
type fieldErr struct {
	elem, val string
	err       error
}

// build turns the element texts of one rule into a validated Rule.
func (f *ruleFields) build() (Rule, *fieldErr) {
	for _, k := range required {
		if !f.has[k] {
			return Rule{}, &fieldErr{elemNames[k], "", fmt.Errorf("%w: missing element", ErrSyntax)}
		}
	}
	var r Rule
	var err error
	id, err := strconv.Atoi(f.v[fID])
	if err != nil || id < 0 {
		return Rule{}, &fieldErr{elemID, f.v[fID], fmt.Errorf("%w: not a non-negative integer", ErrBadValue)}
	}
	r.ID, r.Name, r.User, r.Destination, r.ConfigurationName = id, f.v[fName], f.v[fUser], f.v[fDest], f.v[fConfig]
	if r.UserType, err = ParseUserType(f.v[fUserType]); err != nil {
		return Rule{}, &fieldErr{elemUserType, f.v[fUserType], ErrBadValue}
	}
	if r.DestinationType, err = ParseDestinationType(f.v[fDestType]); err != nil {
		return Rule{}, &fieldErr{elemDestType, f.v[fDestType], ErrBadValue}
	}
	for _, b := range []struct {
		k   int
		dst *bool
	}{{fUserLocal, &r.IsUserGroupLocal}, {fCompLocal, &r.IsComputerGroupLocal}, {fDestIsSID, &r.IsCanonicalDestinationSID}} {
		if !f.has[b.k] {
			continue
		}
		if *b.dst, err = parseBool(f.v[b.k]); err != nil {
			return Rule{}, &fieldErr{elemNames[b.k], f.v[b.k], ErrBadValue}
		}
	}
	if err := r.Validate(); err != nil {
		return Rule{}, &fieldErr{"", "", err}
	}
	return r, nil
}
