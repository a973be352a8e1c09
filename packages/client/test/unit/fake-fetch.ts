/**
 * A `fetch` that answers from a script instead of the network, and keeps each request it was sent
 * (method, URL, headers, body as text), so the unit tests see exactly what the client sent.
 */
export interface Sent {
  method: string;
  url: string;
  headers: Headers;
  body: string;
}

/** The JSON of an answer: its status, body and headers. */
export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", ...headers },
  });
}

/** The API's error envelope (API.md §4) for `code`, with the request id the answer's header repeats. */
export function envelope(
  status: number,
  code: string,
  message: string,
  headers: Record<string, string> = {},
  details: { path: string; message: string }[] = [],
): Response {
  const requestId = `req-${code}`;
  return json(
    status,
    { error: { code, message, requestId, details } },
    { "X-Request-Id": requestId, ...headers },
  );
}

export function fakeFetch(...answers: (Response | ((request: Request) => Response))[]) {
  const sent: Sent[] = [];
  const fetch = async (request: Request): Promise<Response> => {
    sent.push({
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: await request.text(),
    });
    const answer = answers.shift();
    if (!answer)
      throw new Error(`no answer scripted for request ${sent.length}: ${request.method} ${request.url}`);
    return typeof answer === "function" ? answer(request) : answer;
  };
  return { fetch, sent };
}

/** A sleep that returns at once and remembers how long it was asked to wait. */
export function recordingSleep() {
  const waits: number[] = [];
  const sleep = async (milliseconds: number) => {
    waits.push(milliseconds);
  };
  return { sleep, waits };
}
