/*
 * posix_fadvise(POSIX_FADV_DONTNEED) for Node, run on the libuv thread pool like any fs call, as a
 * promise. Node has no binding for it, and the event log needs it: see src/log/page-cache.ts.
 *
 * dropCachedPages(fd, offset, length) resolves once the kernel has been told (length 0: to the end of
 * the file) and rejects with an Error whose `code` is the errno name (EBADF, EINVAL, ...). The caller
 * keeps `fd` open until the promise settles.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <node_api.h>
#include "sluice_native.h"

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  int fd;
  int64_t offset;
  int64_t length;
  int error;
} DropJob;

static void drop_execute(napi_env env, void* data) {
  (void)env;
  DropJob* job = data;
#ifdef POSIX_FADV_DONTNEED
  /* posix_fadvise returns the error number instead of setting errno. */
  job->error = posix_fadvise(job->fd, (off_t)job->offset, (off_t)job->length, POSIX_FADV_DONTNEED);
#else
  job->error = ENOSYS;
#endif
}

static void drop_complete(napi_env env, napi_status status, void* data) {
  DropJob* job = data;
  napi_value result;
  if (status == napi_ok && job->error == 0) {
    napi_get_undefined(env, &result);
    napi_resolve_deferred(env, job->deferred, result);
  } else {
    result = errno_error(env, status == napi_ok ? job->error : ECANCELED);
    napi_reject_deferred(env, job->deferred, result);
  }
  napi_delete_async_work(env, job->work);
  free(job);
}

napi_value drop_cached_pages(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  int32_t fd;
  int64_t offset;
  int64_t length;
  if (argc != 3 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_get_value_int64(env, argv[1], &offset) != napi_ok ||
      napi_get_value_int64(env, argv[2], &length) != napi_ok || fd < 0 || offset < 0 || length < 0) {
    napi_throw_type_error(env, NULL, "dropCachedPages(fd, offset, length) takes three non-negative integers");
    return NULL;
  }
  DropJob* job = calloc(1, sizeof(DropJob));
  if (job == NULL) {
    napi_throw_error(env, NULL, "dropCachedPages: out of memory");
    return NULL;
  }
  job->fd = fd;
  job->offset = offset;
  job->length = length;
  return queue_promise_job(env, "sluice:dropCachedPages", drop_execute, drop_complete, job, &job->work, &job->deferred);
}
