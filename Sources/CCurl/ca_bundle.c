// The CA bundle of URLSession's libcurl handles. FoundationNetworking creates its easy handles
// itself and, on Linux, sets no CA option on them (its URLSessionCertificateAuthorityInfoFile is
// read on Android only), so each process parses libcurl's default bundle, the whole system
// store, on its first handshake: about 22 ms of CPU, a third of an HTTPS exchange. This file
// defines curl_easy_init: the static linker resolves FoundationNetworking's calls to it here,
// before libcurl.so, and it hands back libcurl's own handle with CURLOPT_CAINFO set. The one
// alternative, binding another file over the bundle in the unit, costs every connection a
// mount namespace (scripts/bench-systemd).

#define _GNU_SOURCE
#include "CCurl.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

static char *bundle;
static CURL *(*libcurl_easy_init)(void);
static pthread_once_t found = PTHREAD_ONCE_INIT;

static void find_libcurl(void) {
    libcurl_easy_init = (CURL *(*)(void))dlsym(RTLD_NEXT, "curl_easy_init");
}

void o1_curl_use_ca_bundle(const char *path) {
    free(bundle);
    bundle = path ? strdup(path) : NULL;
}

CURL *curl_easy_init(void) {
    pthread_once(&found, find_libcurl);
    if (!libcurl_easy_init) return NULL;
    CURL *handle = libcurl_easy_init();
    // Failing (out of memory), the handle keeps the default bundle: the same roots, parsed.
    if (handle && bundle) curl_easy_setopt(handle, CURLOPT_CAINFO, bundle);
    return handle;
}
