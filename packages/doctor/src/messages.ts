// The sentences Chromium prints in the DevTools console for a blocked fetch(), word for word (Chromium's
// third_party/blink/renderer/platform/loader/cors/cors_error_string.cc), so a search for the line a developer
// saw finds the doctor's explanation of it.

/** Failure steps whose Chromium sentence starts with the preflight preamble. */
const PREFLIGHT_PREAMBLE = "Response to preflight request doesn't pass access control check: ";

// Chromium dropped its "set the request's mode to 'no-cors'" advice from these lines (checked against 156).
const VALID_VALUE = ' Have the server send the header with a valid value.';

/** The part of Chromium's console line after "has been blocked by CORS policy: ". */
export function chromiumReason(step: string, value: string, preflight: boolean): string | null {
  const pre = preflight ? PREFLIGHT_PREAMBLE : '';
  // Chromium escapes anything outside printable ASCII in the quoted value.
  const v = [...value].map((c) => (c >= ' ' && c <= '~' ? c : `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`)).join('');
  switch (step) {
    case 'wildcard-with-credentials':
      return `${pre}The value of the 'Access-Control-Allow-Origin' header in the response must not be the wildcard '*' when the request's credentials mode is 'include'.`;
    case 'allow-origin-missing':
      return `${pre}No 'Access-Control-Allow-Origin' header is present on the requested resource.`;
    case 'allow-origin-multiple':
      return `${pre}The 'Access-Control-Allow-Origin' header contains multiple values '${v}', but only one is allowed.${VALID_VALUE}`;
    case 'allow-origin-invalid':
      return `${pre}The 'Access-Control-Allow-Origin' header contains the invalid value '${v}'.${VALID_VALUE}`;
    case 'allow-origin-mismatch':
      return `${pre}The 'Access-Control-Allow-Origin' header has a value '${v}' that is not equal to the supplied origin.${VALID_VALUE}`;
    case 'allow-credentials-missing':
    case 'allow-credentials-invalid':
      return `${pre}The value of the 'Access-Control-Allow-Credentials' header in the response is '${v}' which must be 'true' when the request's credentials mode is 'include'.`;
    case 'preflight-status':
      return `${PREFLIGHT_PREAMBLE}It does not have HTTP ok status.`;
    case 'preflight-redirect':
      return `${PREFLIGHT_PREAMBLE}Redirect is not allowed for a preflight request.`;
    case 'allow-methods-invalid':
      return 'Cannot parse Access-Control-Allow-Methods response header field in preflight response.';
    case 'allow-headers-invalid':
      return 'Cannot parse Access-Control-Allow-Headers response header field in preflight response.';
    case 'method-not-allowed':
      return `Method ${v} is not allowed by Access-Control-Allow-Methods in preflight response.`;
    case 'header-not-allowed':
      return `Request header field ${v} is not allowed by Access-Control-Allow-Headers in preflight response.`;
    case 'redirect-not-allowed':
      // Chromium leaves the location out of the quotes (it prints ''); the fix names it.
      return "Redirect location '' contains a username and password, which is disallowed for cross-origin requests.";
    case 'redirect-scheme':
      // Chromium lists the schemes it supports here; http and https are the ones a server can redirect to.
      return 'Cross origin requests are only supported for protocol schemes: http, https.';
    default:
      return null;
  }
}

/**
 * Chromium's whole console line: "Access to fetch at '<url>' [(redirected from '<first url>') ]from origin
 * '<origin>' has been blocked by CORS policy: <reason>".
 */
export function chromiumMessage(url: string, firstUrl: string, origin: string, reason: string): string {
  const redirected = url === firstUrl ? '' : `(redirected from '${firstUrl}') `;
  return `Access to fetch at '${url}' ${redirected}from origin '${origin}' has been blocked by CORS policy: ${reason}`;
}
