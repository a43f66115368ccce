package winrs

import "strings"

// clearHostScript writes what Windows conhost does for Clear-Host to a
// terminal: erase the display and the scrollback, cursor home. Over WinRS
// powershell.exe has no console window (its output is redirected), so its
// own Clear-Host clears nothing the browser sees; the session layer also
// drops its restored screen at this sequence.
const clearHostScript = `Write-Host -NoNewline "$([char]27)[2J$([char]27)[3J$([char]27)[H"`

// clearHost maps a command block that is only Clear-Host (or its aliases
// cls and clear) to clearHostScript; any other block is sent as typed.
func clearHost(input string) string {
	switch strings.ToLower(strings.TrimRight(strings.TrimSpace(input), ";")) {
	case "cls", "clear", "clear-host":
		return clearHostScript
	}
	return input
}
