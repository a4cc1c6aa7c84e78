/**
 * Text bound for a terminal: ANSI/VT escape sequences and other control characters removed (a label from a data
 * source could otherwise move the cursor, retitle the window or hide what follows), newlines, tabs and CRLF line
 * ends kept (a bare carriage return, which could overwrite what a line said, is removed).
 */
export function terminalSafe(text: string): string {
  return text
    .replace(/\u001b\][^\u0007\u001b]*(?:\u0007|\u001b\\)/g, '') // OSC … BEL/ST
    .replace(/\u001b\[[0-?]*[ -/]*[@-~]/g, '') // CSI
    .replace(/\u009b[0-?]*[ -/]*[@-~]/g, '') // 8-bit CSI
    .replace(/\u001b[@-Z\\-_]/g, '') // other two-character escapes
    .replace(/\r(?!\n)/g, '')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '');
}
