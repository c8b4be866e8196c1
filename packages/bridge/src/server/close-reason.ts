/** Longest close reason the WebSocket protocol allows, in UTF-8 bytes (125 minus the code). */
const MAX_REASON_BYTES = 123;

/** `text` cut to fit a close frame (by bytes, never splitting a character). */
export function closeReason(text: string): string {
  if (Buffer.byteLength(text, 'utf8') <= MAX_REASON_BYTES) return text;
  let cut = '';
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > MAX_REASON_BYTES - 3) break;
    cut += char;
    bytes += size;
  }
  return `${cut}...`;
}
