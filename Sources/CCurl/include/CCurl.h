#ifndef O1_PROXY_CCURL_H
#define O1_PROXY_CCURL_H

// What FoundationNetworking leaves unset or wrong on the libcurl it drives: the CA bundle
// (ca_bundle.c) and which socket events wake the process (socket_interest.c, which needs no
// call: linking it is enough).

/// Makes every libcurl handle created from now on read `path` as its CA bundle (CURLOPT_CAINFO)
/// instead of the one libcurl was built with; the hashed directory libcurl was built with
/// (CURLOPT_CAPATH, /etc/ssl/certs on Debian) stays behind it. The string is copied. Call it
/// before the first request, while the process has one thread.
void o1_curl_use_ca_bundle(const char *path);

#endif
