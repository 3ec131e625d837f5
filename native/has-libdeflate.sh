#!/bin/sh
# Prints 1 when a C program can include and link libdeflate (Debian: libdeflate-dev), else 0, for
# binding.gyp: without it the addon is built without its libdeflate compressor and gzip chunks are
# deflated by zlib (src/destinations/gzip/chunked-gzip.ts). Never fails, so `npm ci` never does.
probe_dir=$(mktemp -d 2>/dev/null) || { echo 0; exit 0; }
printf '#include <libdeflate.h>\nint main(void) { return libdeflate_alloc_compressor(6) == 0; }\n' > "$probe_dir/probe.c"
if ${CC:-cc} "$probe_dir/probe.c" -o "$probe_dir/probe" -ldeflate >/dev/null 2>&1; then echo 1; else echo 0; fi
rm -rf "$probe_dir"
