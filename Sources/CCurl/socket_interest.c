// A libcurl socket FoundationNetworking watches must stop waking the process when libcurl no
// longer cares. FoundationNetworking (up to at least Swift 6.3) watches each socket with one
// dispatch source per direction and, when libcurl's socket callback changes what it wants, only
// adds the sources that are missing. So the write source made while connecting and sending the
// request outlives them: on a socket that is always writable it fires at once, again and again,
// and each time asks libcurl, which has nothing to write, for the whole time the model thinks.
// Measured on this proxy: an upstream that took 3 s to answer cost the process 2.6 s of CPU (and
// as root its dispatch threads run at nice -4, so a few waiting exchanges starved the rest of
// the machine); with this file, 0.02 s, like an instant answer.
//
// This file defines curl_multi_setopt, which the static link resolves ahead of libcurl's (as
// ca_bundle.c does curl_easy_init), and wraps the socket callback FoundationNetworking installs:
// a change of interest on a socket it already watches reaches it as "remove", then the new
// interest, so it drops the old sources and makes only those asked for. FoundationNetworking
// expects that pair; libcurl itself sends it when a connection is reused.

#define _GNU_SOURCE
#include "CCurl.h"

#include <curl/curl.h>
#include <dlfcn.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>

typedef int (*socket_callback)(CURL *easy, curl_socket_t socket, int what, void *data, void *assigned);
typedef CURLMcode (*multi_setopt)(CURLM *multi, CURLMoption option, ...);

static multi_setopt libcurl_multi_setopt;
static pthread_once_t found = PTHREAD_ONCE_INIT;
// FoundationNetworking installs the same callback on every multi handle it makes.
static _Atomic(socket_callback) foundation_callback;

static void find_libcurl(void) {
    libcurl_multi_setopt = (multi_setopt)dlsym(RTLD_NEXT, "curl_multi_setopt");
}

// libcurl calls this only when what it wants of `socket` changes; `assigned` is not NULL once
// FoundationNetworking watches the socket (it stores its sources there with curl_multi_assign).
static int watch_only_what_is_asked(CURL *easy, curl_socket_t socket, int what, void *data, void *assigned) {
    socket_callback callback = atomic_load(&foundation_callback);
    if (what != CURL_POLL_REMOVE && assigned) {
        if (callback(easy, socket, CURL_POLL_REMOVE, data, assigned) == -1) return -1;
        assigned = NULL;
    }
    return callback(easy, socket, what, data, assigned);
}

CURLMcode curl_multi_setopt(CURLM *multi, CURLMoption option, ...) {
    pthread_once(&found, find_libcurl);
    if (!libcurl_multi_setopt) return CURLM_INTERNAL_ERROR;
    va_list arguments;
    va_start(arguments, option);
    CURLMcode result;
    // The option's number says the type of its argument (curl/multi.h).
    if (option == CURLMOPT_SOCKETFUNCTION) {
        socket_callback callback = va_arg(arguments, socket_callback);
        if (callback) atomic_store(&foundation_callback, callback);
        result = libcurl_multi_setopt(multi, option, callback ? watch_only_what_is_asked : NULL);
    } else if (option < CURLOPTTYPE_OBJECTPOINT) {
        result = libcurl_multi_setopt(multi, option, va_arg(arguments, long));
    } else if (option < CURLOPTTYPE_OFF_T || option >= CURLOPTTYPE_BLOB) {
        result = libcurl_multi_setopt(multi, option, va_arg(arguments, void *));
    } else {
        result = libcurl_multi_setopt(multi, option, va_arg(arguments, curl_off_t));
    }
    va_end(arguments);
    return result;
}
