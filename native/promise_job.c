/*
 * Starts a job on the libuv thread pool and hands back the promise its completion settles: the same
 * steps for every function of the addon. `execute` runs on a pool thread; `complete` runs on the
 * JavaScript thread, settles `*deferred` and frees the job (deleting `*work`).
 */
#include <node_api.h>
#include "sluice_native.h"

napi_value queue_promise_job(napi_env env, const char* resource_name, napi_async_execute_callback execute, napi_async_complete_callback complete,
                             void* job, napi_async_work* work, napi_deferred* deferred) {
  napi_value promise;
  napi_value name;
  napi_create_promise(env, deferred, &promise);
  napi_create_string_utf8(env, resource_name, NAPI_AUTO_LENGTH, &name);
  napi_create_async_work(env, NULL, name, execute, complete, job, work);
  napi_queue_async_work(env, *work);
  return promise;
}
