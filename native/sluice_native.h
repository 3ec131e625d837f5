/* The functions of the sluice_native addon, one file each; binding.c registers them. */
#ifndef SLUICE_NATIVE_H
#define SLUICE_NATIVE_H
#include <node_api.h>

napi_value drop_cached_pages(napi_env env, napi_callback_info info);
napi_value write_durably(napi_env env, napi_callback_info info);
/* Only when built with libdeflate (binding.gyp finds it with native/has-libdeflate.sh). Keeps its
 * per-thread state in the addon's instance data (napi_set_instance_data), which nothing else may use. */
napi_value deflate_raw_chunk(napi_env env, napi_callback_info info);

/* An Error for a failed system call: `code` the errno name, the message strerror's (errno_error.c). */
napi_value errno_error(napi_env env, int error);

/* Queues `job` on the libuv pool and returns the promise `complete` settles (promise_job.c). */
napi_value queue_promise_job(napi_env env, const char* resource_name, napi_async_execute_callback execute, napi_async_complete_callback complete,
                             void* job, napi_async_work* work, napi_deferred* deferred);

#endif
