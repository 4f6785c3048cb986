/**
 * Preloaded into Portkey's gateway process (`node --import`). Under Node, Portkey 1.15.2 answers 500
 * ("TypeError: immutable") to every stream and embeddings request: it appends its x-portkey-* headers to a
 * Response built from the upstream's fetch Response, whose headers undici keeps immutable. Returning each fetch
 * Response with a fresh Headers object lets those requests through; it costs a few microseconds per request.
 */
const originalFetch = globalThis.fetch;
globalThis.fetch = async (...args) => {
  const response = await originalFetch(...args);
  return new Response(response.body, {
    status: response.status,
    statusText: response.statusText,
    headers: new Headers(response.headers),
  });
};
