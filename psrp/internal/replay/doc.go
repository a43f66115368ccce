// Package replay reads the recorded WS-Management exchanges that PSRP replay
// tests run against: pypsrp's YAML recordings of real Windows hosts
// (shared/fixtures/pypsrp-responses/test_psrp_*.yml). It loads a file into
// ordered request/response exchanges, classifies each SOAP envelope's
// WS-Management action, extracts the base64 PSRP payloads with their stream
// names and ids, and normalises envelopes (ids, timestamps) into element
// trees for structural comparison.
//
// The package knows SOAP and WS-Management only, not PSRP: it does not
// import psrp, so psrp's own tests can use it.
package replay
