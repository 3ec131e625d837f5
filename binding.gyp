{
  "targets": [
    {
      "target_name": "sluice_native",
      "sources": ["native/binding.c", "native/page_cache.c", "native/durable_write.c", "native/errno_error.c", "native/promise_job.c"],
      "cflags": ["-Wall", "-Wextra", "-O2"]
    }
  ]
}
