package clixml

// ProgressRecord is <PR>, the compact form PowerShell uses for a
// System.Management.Automation.ProgressRecord (MS-PSRP 2.2.5.1.25 lists the
// element; the layout AV AI S|Nil PI PC T SR SD follows pwsh).
type ProgressRecord struct {
	Activity          string  // AV
	ActivityID        int32   // AI
	CurrentOperation  *string // S, or Nil when absent
	ParentActivityID  int32   // PI
	PercentComplete   int32   // PC
	RecordType        string  // T: "Processing" or "Completed"
	SecondsRemaining  int32   // SR
	StatusDescription string  // SD
}
