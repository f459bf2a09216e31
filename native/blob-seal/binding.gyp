{
  "targets": [
    {
      "target_name": "blob_seal",
      "sources": ["src/blob_seal.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Werror"]
    }
  ]
}
