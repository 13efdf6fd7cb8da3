{
  "targets": [
    {
      "target_name": "nlkit",
      "sources": ["native/nlkit.c", "native/nsjobs.c", "native/bpf.c", "native/readahead.c", "native/sendbehind.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter", "-fvisibility=hidden"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
