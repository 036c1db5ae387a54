#ifndef O1_PROXY_CCURLCA_H
#define O1_PROXY_CCURLCA_H

/// Makes every libcurl handle created from now on read `path` as its CA bundle (CURLOPT_CAINFO)
/// instead of the one libcurl was built with; the hashed directory libcurl was built with
/// (CURLOPT_CAPATH, /etc/ssl/certs on Debian) stays behind it. The string is copied. Call it
/// before the first request, while the process has one thread.
void o1_curl_use_ca_bundle(const char *path);

#endif
