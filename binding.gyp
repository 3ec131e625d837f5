{
  "variables": {
    "sluice_libdeflate%": "<!(sh native/has-libdeflate.sh)"
  },
  "targets": [
    {
      "target_name": "sluice_native",
      "sources": ["native/binding.c", "native/page_cache.c", "native/durable_write.c", "native/errno_error.c", "native/promise_job.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "conditions": [
        ["sluice_libdeflate==1", {
          "sources": ["native/deflate_chunk.c", "native/deflate_blocks.c"],
          "defines": ["SLUICE_LIBDEFLATE"],
          "libraries": ["-ldeflate"]
        }]
      ]
    }
  ]
}
