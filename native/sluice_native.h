/* The functions of the sluice_native addon, one file each; binding.c registers them. */
#ifndef SLUICE_NATIVE_H
#define SLUICE_NATIVE_H
#include <node_api.h>

napi_value drop_cached_pages(napi_env env, napi_callback_info info);
napi_value write_durably(napi_env env, napi_callback_info info);

/* An Error for a failed system call: `code` the errno name, the message strerror's (errno_error.c). */
napi_value errno_error(napi_env env, int error);

#endif
