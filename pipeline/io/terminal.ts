/**
 * Text bound for a terminal, without escape sequences and control characters (a label from a data source could move the
 * cursor or hide what follows) but with newlines, tabs and CRLF (a bare carriage return could overwrite the line).
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
