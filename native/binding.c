/*
 * Sluice's one native addon (built by `npm ci` through binding.gyp): the few system calls Node does
 * not expose. Each lives in its own file; src/native/binding.ts loads this and says what to do
 * without it.
 */
#include <node_api.h>
#include "sluice_native.h"

static void export_function(napi_env env, napi_value exports, const char* name, napi_callback function) {
  napi_value value;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, function, NULL, &value);
  napi_set_named_property(env, exports, name, value);
}

static napi_value init(napi_env env, napi_value exports) {
  export_function(env, exports, "dropCachedPages", drop_cached_pages);
  export_function(env, exports, "writeDurably", write_durably);
#ifdef SLUICE_LIBDEFLATE
  export_function(env, exports, "deflateRawChunk", deflate_raw_chunk);
#endif
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
