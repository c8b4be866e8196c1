/**
 * Reads a response body into one Buffer. With a known length the buffer is allocated once
 * and every chunk is copied straight into place (no chunk list, no final concat).
 */
export async function readBody({
  body,
  contentLength,
}: {
  body: AsyncIterable<Uint8Array> | undefined;
  contentLength: number | undefined;
}): Promise<Buffer> {
  if (body === undefined) return Buffer.alloc(0);
  if (contentLength === undefined || !Number.isSafeInteger(contentLength) || contentLength < 0) {
    const chunks: Uint8Array[] = [];
    for await (const chunk of body) chunks.push(chunk);
    return Buffer.concat(chunks);
  }
  const out = Buffer.allocUnsafe(contentLength);
  let offset = 0;
  for await (const chunk of body) {
    if (offset + chunk.byteLength > contentLength) {
      throw new Error(`body is longer than its Content-Length (${contentLength} bytes)`);
    }
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  if (offset !== contentLength) {
    throw new Error(`body ended after ${offset} of ${contentLength} bytes`);
  }
  return out;
}
