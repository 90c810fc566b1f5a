/* GET /: the status page, one HTML file (status.html) with its style and
 * script inline, embedded in the binary so that nothing is read or
 * downloaded at run time. The policy allows exactly that style and that
 * script by their SHA-256 (CSP level 2 hashes), connections to this
 * listener only, and nothing else: a name a device announced on the link
 * cannot bring code with it even if the page had a bug. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "common/error.h"
#include "gateway/http/internal.h"

/* 'sha256-<base64>' of the text between open and close (both excluded),
 * the first such element of the page, into out. */
static int element_hash(const char *page, const char *open, const char *close, char *out,
                        size_t len)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned md_len = 0;
	unsigned char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];

	const char *start = strstr(page, open);
	if (start == NULL)
		return GW_ERROR;
	start += strlen(open);
	const char *end = strstr(start, close);
	if (end == NULL)
		return GW_ERROR;
	if (EVP_Digest(start, (size_t)(end - start), md, &md_len, EVP_sha256(), NULL) != 1)
		return GW_ERROR;
	EVP_EncodeBlock(b64, md, (int)md_len);
	int n = snprintf(out, len, "'sha256-%s'", (const char *)b64);
	return n > 0 && (size_t)n < len ? GW_OK : GW_ERROR;
}

int gw_http_page(const gw_http_t *h, const gw_http_request_t *req, gw_http_reply_t *out)
{
	const char *page = (const char *)gw_http_status_html;
	char style[64], script[64];

	/* Computed per request: a few microseconds, and the page cannot
	 * drift from its policy. */
	int ret = element_hash(page, "<style>", "</style>", style, sizeof(style));
	if (ret == GW_OK)
		ret = element_hash(page, "<script>", "</script>", script, sizeof(script));
	if (ret != GW_OK)
		return ret;
	int n = snprintf(out->csp, sizeof(out->csp),
	                 "default-src 'none'; style-src %s; script-src %s; connect-src 'self'; "
	                 "img-src 'self'; base-uri 'none'; form-action 'none'; "
	                 "frame-ancestors 'none'",
	                 style, script);
	if (n < 0 || (size_t)n >= sizeof(out->csp))
		return GW_ERROR;
	out->body = malloc(gw_http_status_html_len);
	if (out->body == NULL)
		return GW_ENOMEM;
	memcpy(out->body, gw_http_status_html, gw_http_status_html_len);
	out->len = gw_http_status_html_len;
	out->content_type = "text/html; charset=utf-8";
	return GW_OK;
}
