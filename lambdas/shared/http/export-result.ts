import type { HttpResult } from "./http-result";
import { type CalledRoute, linkTo, nextLink } from "./links";

/** An export page as it is answered: its body, already serialised in its media type, and where the next starts. */
export interface TextPage {
  contentType: string;
  content: string;
  nextCursor: string | null;
}

/** The response of an export page: its body in its media type, and the `Link` when records remain. */
export function exportResult(
  page: TextPage,
  event: CalledRoute & { queryStringParameters: Record<string, string | undefined> | null },
): HttpResult {
  const headers: Record<string, string> = {};
  if (page.nextCursor !== null) {
    headers.Link = nextLink(linkTo(event, event.resource), event.queryStringParameters, page.nextCursor);
  }
  return { statusCode: 200, text: { contentType: page.contentType, content: page.content }, headers };
}
