/*
 * A positioned write and the fdatasync that makes it durable, as ONE job on the libuv thread pool,
 * as a promise. Node can only do them as two jobs (FileHandle.write, then datasync), and each job is a
 * thread-pool round trip: a pool thread woken, then the event loop woken to hear it finished and to
 * queue the next. The event log's group commit (src/log/durable-write.ts) does this once per group,
 * on the path every acknowledged request waits on.
 *
 * writeDurably(fd, buffer, offset, length, position) writes buffer[offset, offset + length) at file
 * position `position` (retrying short writes and EINTR), then syncs the file's data. It resolves once
 * both are done, or rejects with an Error whose `code` is the errno name (ENOSPC, EIO, EBADF, ...),
 * `syscall` says which step failed ("write" or "fdatasync") and `bytesWritten` how many bytes the
 * write step got out before failing. The caller keeps `fd` open until the promise settles; the buffer
 * is held by a reference for as long as the job runs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>
#include <node_api.h>
#include "sluice_native.h"

typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  napi_ref buffer_ref;
  const uint8_t* data;
  size_t length;
  int fd;
  int64_t position;
  size_t written;
  int error;
  const char* failed_call;
} DurableWriteJob;

/* fdatasync where the platform has it; macOS only makes data durable with F_FULLFSYNC (as libuv does). */
static int sync_data(int fd) {
#if defined(__APPLE__)
  if (fcntl(fd, F_FULLFSYNC) == 0) return 0;
  return fsync(fd);
#elif defined(__linux__)
  return fdatasync(fd);
#else
  return fsync(fd);
#endif
}

static void durable_write_execute(napi_env env, void* data) {
  (void)env;
  DurableWriteJob* job = data;
  while (job->written < job->length) {
    ssize_t result = pwrite(job->fd, job->data + job->written, job->length - job->written, (off_t)(job->position + (int64_t)job->written));
    if (result < 0) {
      if (errno == EINTR) continue;
      job->error = errno;
      job->failed_call = "write";
      return;
    }
    job->written += (size_t)result;
  }
  while (sync_data(job->fd) != 0) {
    if (errno == EINTR) continue;
    job->error = errno;
    job->failed_call = "fdatasync";
    return;
  }
}

static void durable_write_complete(napi_env env, napi_status status, void* data) {
  DurableWriteJob* job = data;
  napi_value result;
  if (status == napi_ok && job->error == 0) {
    napi_get_undefined(env, &result);
    napi_resolve_deferred(env, job->deferred, result);
  } else {
    napi_value syscall;
    napi_value written;
    result = errno_error(env, status == napi_ok ? job->error : ECANCELED);
    napi_create_string_utf8(env, job->failed_call ? job->failed_call : "write", NAPI_AUTO_LENGTH, &syscall);
    napi_set_named_property(env, result, "syscall", syscall);
    napi_create_double(env, (double)job->written, &written);
    napi_set_named_property(env, result, "bytesWritten", written);
    napi_reject_deferred(env, job->deferred, result);
  }
  napi_delete_reference(env, job->buffer_ref);
  napi_delete_async_work(env, job->work);
  free(job);
}

napi_value write_durably(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  bool is_buffer = false;
  int32_t fd;
  int64_t offset;
  int64_t length;
  int64_t position;
  void* base = NULL;
  size_t size = 0;
  if (argc != 5 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || napi_is_buffer(env, argv[1], &is_buffer) != napi_ok || !is_buffer ||
      napi_get_buffer_info(env, argv[1], &base, &size) != napi_ok || napi_get_value_int64(env, argv[2], &offset) != napi_ok ||
      napi_get_value_int64(env, argv[3], &length) != napi_ok || napi_get_value_int64(env, argv[4], &position) != napi_ok || fd < 0 ||
      offset < 0 || length < 0 || position < 0 || (uint64_t)offset + (uint64_t)length > size) {
    napi_throw_type_error(env, NULL, "writeDurably(fd, buffer, offset, length, position): a descriptor, a Buffer and a range inside it, and a non-negative position");
    return NULL;
  }
  DurableWriteJob* job = calloc(1, sizeof(DurableWriteJob));
  if (job == NULL) {
    napi_throw_error(env, NULL, "writeDurably: out of memory");
    return NULL;
  }
  job->fd = fd;
  job->data = (const uint8_t*)base + offset;
  job->length = (size_t)length;
  job->position = position;
  napi_create_reference(env, argv[1], 1, &job->buffer_ref);
  return queue_promise_job(env, "sluice:writeDurably", durable_write_execute, durable_write_complete, job, &job->work, &job->deferred);
}
