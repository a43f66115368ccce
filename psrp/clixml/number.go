package clixml

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

func appendUint(dst []byte, v uint64) []byte { return strconv.AppendUint(dst, v, 10) }

// appendFloat writes f as .NET's ToString("R", InvariantCulture) does on
// .NET Core 3.0+: the shortest round-trip digits, scientific notation
// (1E+15, 1.5E-05) when the exponent is at least max(digits, 15) — 7 for
// Single — or below -4; NaN, Infinity, -Infinity, and -0 for negative zero.
func appendFloat(dst []byte, f float64, bits int) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0"...)
		}
		return append(dst, '0')
	}
	if f < 0 {
		dst, f = append(dst, '-'), -f
	}
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', -1, bits) // d.ddde±XX
	k := indexByte(string(e), 'e')
	mant := strings.Replace(string(e[:k]), ".", "", 1)
	exp, _ := strconv.Atoi(string(e[k+1:]))
	prec := 15
	if bits == 32 {
		prec = 7
	}
	if exp >= max(len(mant), prec) || exp < -4 {
		dst = append(dst, mant[0])
		if len(mant) > 1 {
			dst = append(append(dst, '.'), mant[1:]...)
		}
		sign := byte('+')
		if exp < 0 {
			sign, exp = '-', -exp
		}
		dst = append(dst, 'E', sign)
		if exp < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(exp), 10)
	}
	if exp < 0 {
		dst = append(dst, "0."...)
		dst = append(dst, strings.Repeat("0", -exp-1)...)
		return append(dst, mant...)
	}
	if exp+1 >= len(mant) {
		dst = append(dst, mant...)
		return append(dst, strings.Repeat("0", exp+1-len(mant))...)
	}
	dst = append(dst, mant[:exp+1]...)
	return append(append(dst, '.'), mant[exp+1:]...)
}

// parseFloat reads a Sg or Db: decimal or scientific notation, NaN,
// Infinity/INF and their negatives. Go's hex floats and digit
// underscores are refused.
func parseFloat(s string, bits int) (float64, error) {
	switch s {
	case "NaN":
		return math.NaN(), nil
	case "Infinity", "INF", "+Infinity":
		return math.Inf(1), nil
	case "-Infinity", "-INF":
		return math.Inf(-1), nil
	}
	if s == "" || strings.ContainsAny(s, "xX_pPiInN") {
		return 0, fmt.Errorf("number %q: %w", s, ErrInvalid)
	}
	f, err := strconv.ParseFloat(s, bits)
	if err != nil {
		return 0, fmt.Errorf("number %q: %w", s, ErrInvalid)
	}
	return f, nil
}

// parseUint reads an unsigned decimal of the given width, with an
// optional "+", as .NET's XmlConvert does; no allocation.
func parseUint(b []byte, bits int) (uint64, error) {
	d := b
	if len(d) > 0 && d[0] == '+' {
		d = d[1:]
	}
	v, ok := digitsValue(d, uint64(1)<<bits-1) // 1<<64 wraps to 0, so -1 is MaxUint64
	if !ok {
		return 0, fmt.Errorf("unsigned integer %q (%d bits): %w", b, bits, ErrInvalid)
	}
	return v, nil
}

// parseInt reads a signed decimal of the given width; no allocation.
func parseInt(b []byte, bits int) (int64, error) {
	d, neg := b, false
	if len(d) > 0 && (d[0] == '+' || d[0] == '-') {
		d, neg = d[1:], d[0] == '-'
	}
	limit := uint64(1)<<(bits-1) - 1
	if neg {
		limit++
	}
	v, ok := digitsValue(d, limit)
	if !ok {
		return 0, fmt.Errorf("integer %q (%d bits): %w", b, bits, ErrInvalid)
	}
	if neg {
		return int64(-v), nil
	}
	return int64(v), nil
}

// digitsValue reads a non-empty run of decimal digits not above limit.
func digitsValue(d []byte, limit uint64) (uint64, bool) {
	if len(d) == 0 {
		return 0, false
	}
	var v uint64
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, false
		}
		n := uint64(c - '0')
		if v > (limit-n)/10 {
			return 0, false
		}
		v = v*10 + n
	}
	return v, true
}

func parseBool(s []byte) (Bool, error) {
	switch string(s) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, fmt.Errorf("boolean %q: %w", s, ErrInvalid)
}

// validDecimal checks the text of a D: an optional sign, digits, and an
// optional fraction.
func validDecimal(s string) error {
	t := strings.TrimLeft(s, "+-")
	if len(s)-len(t) > 1 {
		return fmt.Errorf("decimal %q: %w", s, ErrInvalid)
	}
	whole, frac, dot := strings.Cut(t, ".")
	if !allDigits(whole) || !allDigits(frac) || (whole == "" && frac == "") || (dot && frac == "") {
		return fmt.Errorf("decimal %q: %w", s, ErrInvalid)
	}
	return nil
}

func allDigits(s string) bool {
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
