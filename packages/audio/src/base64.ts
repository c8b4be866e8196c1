/**
 * How many bytes a base64 (or base64url) string decodes to, or -1 when its length and padding
 * cannot be base64. Node's decoder skips characters outside the alphabet instead of failing, so
 * callers decode and then compare the byte count with this number: any skipped character (or a
 * `=` before the end, where Node stops) makes fewer bytes come out. Checking the count avoids a
 * separate validating pass over every chunk.
 */
export function expectedBase64Bytes(data: string): number {
  const length = data.length;
  let padding = 0;
  while (padding < length && data.charCodeAt(length - 1 - padding) === 0x3d /* = */) padding++;
  if (padding > 2) return -1;
  // Padding only completes a 4-character group; unpadded input may end in 2 or 3 characters.
  if (padding > 0 && length % 4 !== 0) return -1;
  const significant = length - padding;
  if (significant % 4 === 1) return -1;
  return Math.floor((significant * 3) / 4);
}
