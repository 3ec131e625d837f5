/*
 * The Error a failed system call rejects with, shared by the addon's functions: `code` is the errno
 * name (as Node's own fs errors have it) and the message strerror's text.
 */
#include <errno.h>
#include <string.h>
#include <node_api.h>
#include "sluice_native.h"

static const char* errno_name(int error) {
  switch (error) {
    case EBADF: return "EBADF";
    case EINVAL: return "EINVAL";
    case ESPIPE: return "ESPIPE";
    case ENOSYS: return "ENOSYS";
    case ENOSPC: return "ENOSPC";
    case EDQUOT: return "EDQUOT";
    case EFBIG: return "EFBIG";
    case EROFS: return "EROFS";
    case ECANCELED: return "ECANCELED";
    default: return "EIO";
  }
}

napi_value errno_error(napi_env env, int error) {
  napi_value code;
  napi_value message;
  napi_value result;
  napi_create_string_utf8(env, errno_name(error), NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, strerror(error), NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &result);
  return result;
}
