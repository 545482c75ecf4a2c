{
  "targets": [
    {
      "target_name": "structops_linux",
      "sources": ["native/structops_linux.c"],
      "conditions": [["OS!='linux'", { "type": "none", "sources!": ["native/structops_linux.c"] }]],
      "cflags": ["-Wall", "-Wextra", "-O2"],
      "defines": ["NAPI_VERSION=8"]
    }
  ]
}
