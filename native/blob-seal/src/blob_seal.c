/*
 * An upload's blob written off the JS thread: SHA-256 of the plaintext, AES-256-GCM chunk by chunk into the blob
 * format of main/server/store/blobCipher.ts, and the writes to the part file, on libuv's pool (Linux, Node-API,
 * Node's own OpenSSL).
 *
 * Why: through Node's crypto API every update returns a fresh buffer (allocated, zeroed, faulted in, swept by V8),
 * and the hashing, the encryption and the writes all ran on the thread that also decrypts the upload's TLS. Here the
 * ciphertext goes into one buffer the sealer reuses, and the work runs beside the TLS thread instead of after it.
 *
 * How: JS pushes batches of chunks (views onto the socket's reads, never copied) and goes back to the socket. Two
 * lanes drain the batches in order, each on a pool thread of its own while there is work: one hashes, one seals and
 * writes. A lane takes the next batch without going back to JS, so a busy JS thread (it is busy: TLS) never leaves
 * the pool idle. JS hears, on its own thread, how many bytes both lanes are done with; only then does it let go of
 * the views.
 *
 * JS keeps every decision: it cuts the plaintext into chunks, says which chunk is the last, opens and closes the
 * file, and checks the digest. This file adds no format of its own: the same key, nonce, AAD and tag as
 * blobCipher.ts, and the JS decryptor opens what it writes (the tests check it byte for byte against the JS sealer).
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __linux__
#include <errno.h>
#include <openssl/evp.h>
#include <unistd.h>
#include <uv.h>

#define KEY_BYTES 32
#define TAG_BYTES 16
#define NONCE_BYTES 12
/* "WHOOTBL1" | keyIdLength u8 | keyId (at most 32) | salt (16) | chunkSize u32, as blobCipher.ts caps it. */
#define MAX_HEADER_BYTES (8 + 1 + 32 + 16 + 4)
/* One batch's plaintext at most (JS pushes less): the reused ciphertext buffer never grows past this and its tags. */
#define MAX_BATCH_BYTES (16 * 1024 * 1024)

/*
 * A lane gives its pool thread back after this much and queues itself again, behind whatever else waits for the
 * pool (other uploads' lanes, file system calls, password hashing): a long upload never holds a thread for its whole
 * length.
 */
#define LANE_SLICE_BYTES (4 * 1024 * 1024)

enum { LANE_HASH, LANE_SEAL, LANES };
#define ALL_LANES ((1u << LANES) - 1)

typedef struct {
  const uint8_t *data;
  size_t length;
} piece_t;

typedef struct batch {
  struct batch *next;
  napi_ref hold; /* the chunks array: its views stay alive (and unmoved) until both lanes are done */
  piece_t *pieces;
  uint32_t *chunk_pieces; /* pieces per chunk */
  uint32_t chunks;
  size_t bytes;
  int final_last;
  unsigned done; /* lanes done with it, a bit each */
} batch_t;

typedef struct sealer sealer_t;

typedef struct {
  sealer_t *s;
  int lane;
  napi_threadsafe_function progress;
  napi_async_work work;
  napi_ref self; /* the sealer object, so it outlives the work */
  int again;     /* stopped after a slice with batches left: lane_done queues the lane again */
} lane_work_t;

typedef struct {
  sealer_t *s;
  napi_async_work work;
  napi_ref self;
  napi_ref callback;
  int err;
  const char *failed;
  uint8_t digest[32];
} finish_t;

struct sealer {
  int fd;
  EVP_CIPHER_CTX *cipher; /* the seal lane's */
  EVP_MD_CTX *hash;       /* the hash lane's */
  uint8_t header[MAX_HEADER_BYTES];
  size_t header_length;
  uint32_t chunk_size; /* the header's: every chunk but the last is exactly this long */
  int header_written;
  uint64_t index;
  uint8_t *out;
  size_t out_capacity;
  napi_threadsafe_function progress; /* (bytes, error) on the JS thread */
  /* Under `lock`: the batches in order (head is the oldest not yet handed back), each lane's next batch and
   * whether a pool thread is draining it, and the first failure. */
  uv_mutex_t lock;
  batch_t *head, *tail;
  batch_t *cursor[LANES];
  int draining[LANES];
  int err; /* an errno, or -1 for a cipher failure */
  const char *failed;
  int reported; /* the failure went to JS */
  /* JS thread only. */
  size_t outstanding; /* batches pushed and not handed back */
  int progress_referenced;
  int sealed_final;
  int finishing;
  int finished;
  int closed;
  /* The object and the progress function each hold the sealer; the last of the two to go frees it. */
  int holders;
};

#define CHECK(call)                                                                                                \
  do {                                                                                                             \
    if ((call) != napi_ok) goto fail;                                                                              \
  } while (0)

static void release_crypto(sealer_t *s) {
  /* Both free functions cleanse what they held (the key schedule, the hash state). */
  if (s->cipher != NULL) EVP_CIPHER_CTX_free(s->cipher);
  if (s->hash != NULL) EVP_MD_CTX_free(s->hash);
  s->cipher = NULL;
  s->hash = NULL;
  /* `out` held ciphertext only: nothing to wipe. */
  free(s->out);
  s->out = NULL;
  s->out_capacity = 0;
}

static void free_batch(batch_t *b) {
  free(b->pieces);
  free(b->chunk_pieces);
  free(b);
}

static void let_go(napi_env env, sealer_t *s) {
  if (--s->holders > 0) return;
  release_crypto(s);
  /* Batches never handed back (JS let go of a sealer with batches out, which blobFileSealer.ts never does). */
  for (batch_t *b = s->head; b != NULL;) {
    batch_t *next = b->next;
    if (env != NULL) napi_delete_reference(env, b->hold);
    free_batch(b);
    b = next;
  }
  uv_mutex_destroy(&s->lock);
  free(s);
}

/* The progress function is gone (released by close or by the object's finalizer, and by every lane). */
static void progress_finalized(napi_env env, void *data, void *hint) {
  (void)hint;
  let_go(env, data);
}

static void finalize_sealer(napi_env env, void *data, void *hint) {
  (void)hint;
  sealer_t *s = data;
  /* Unreachable while a lane or finish runs (each holds a reference to the object), so nothing is in flight here. */
  if (s->progress != NULL) napi_release_threadsafe_function(s->progress, napi_tsfn_abort);
  s->progress = NULL;
  release_crypto(s);
  let_go(env, s);
}

static int write_all(int fd, const uint8_t *data, size_t length) {
  while (length > 0) {
    ssize_t written = write(fd, data, length);
    if (written < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    if (written == 0) return EIO;
    data += written;
    length -= (size_t)written;
  }
  return 0;
}

static void put_u64_be(uint8_t *to, uint64_t value) {
  for (int i = 7; i >= 0; i--) {
    to[i] = (uint8_t)(value & 0xff);
    value >>= 8;
  }
}

/* Seals one chunk (its pieces, in order) at `out`; returns the bytes written there, or 0 after a cipher failure. */
static size_t seal_chunk(sealer_t *s, const piece_t *pieces, uint32_t count, int final, uint8_t *out) {
  uint8_t nonce[NONCE_BYTES] = {0};
  uint8_t aad[MAX_HEADER_BYTES + 9];
  int length = 0;
  size_t at = 0;
  put_u64_be(nonce + 4, s->index);
  memcpy(aad, s->header, s->header_length);
  put_u64_be(aad + s->header_length, s->index);
  aad[s->header_length + 8] = final ? 1 : 0;
  if (EVP_EncryptInit_ex(s->cipher, NULL, NULL, NULL, nonce) != 1) return 0;
  if (EVP_EncryptUpdate(s->cipher, NULL, &length, aad, (int)(s->header_length + 9)) != 1) return 0;
  for (uint32_t i = 0; i < count; i++) {
    if (pieces[i].length == 0) continue;
    if (EVP_EncryptUpdate(s->cipher, out + at, &length, pieces[i].data, (int)pieces[i].length) != 1) return 0;
    at += (size_t)length;
  }
  if (EVP_EncryptFinal_ex(s->cipher, out + at, &length) != 1) return 0;
  at += (size_t)length;
  if (EVP_CIPHER_CTX_ctrl(s->cipher, EVP_CTRL_GCM_GET_TAG, TAG_BYTES, out + at) != 1) return 0;
  s->index += 1;
  return at + TAG_BYTES;
}

/* The seal lane's work on one batch: every chunk sealed into `out`, then one write. Returns 0 or sets s->err. */
static void seal_batch(sealer_t *s, const batch_t *b) {
  size_t need = (s->header_written ? 0 : s->header_length) + b->bytes + (size_t)b->chunks * TAG_BYTES;
  int err = 0;
  const char *failed = NULL;
  if (need > s->out_capacity) {
    uint8_t *grown = malloc(need);
    if (grown == NULL) {
      err = ENOMEM;
      failed = "allocate";
      goto done;
    }
    free(s->out);
    s->out = grown;
    s->out_capacity = need;
  }
  size_t at = 0;
  if (!s->header_written) {
    memcpy(s->out, s->header, s->header_length);
    at = s->header_length;
  }
  const piece_t *pieces = b->pieces;
  for (uint32_t c = 0; c < b->chunks; c++) {
    uint32_t count = b->chunk_pieces[c];
    size_t sealed = seal_chunk(s, pieces, count, b->final_last && c + 1 == b->chunks, s->out + at);
    if (sealed == 0) {
      err = -1;
      failed = "seal";
      goto done;
    }
    at += sealed;
    pieces += count;
  }
  err = write_all(s->fd, s->out, at);
  if (err != 0) {
    failed = "write";
    goto done;
  }
  s->header_written = 1;
done:
  if (err != 0) {
    uv_mutex_lock(&s->lock);
    if (s->err == 0) {
      s->err = err;
      s->failed = failed;
    }
    uv_mutex_unlock(&s->lock);
  }
}

static void hash_batch(sealer_t *s, const batch_t *b) {
  uint32_t total_pieces = 0;
  for (uint32_t c = 0; c < b->chunks; c++) total_pieces += b->chunk_pieces[c];
  for (uint32_t i = 0; i < total_pieces; i++) {
    if (EVP_DigestUpdate(s->hash, b->pieces[i].data, b->pieces[i].length) != 1) {
      uv_mutex_lock(&s->lock);
      if (s->err == 0) {
        s->err = -1;
        s->failed = "hash";
      }
      uv_mutex_unlock(&s->lock);
      return;
    }
  }
}

/* A lane on a pool thread: its batches in order until none is left. After a failure the rest are only passed. */
static void drain_lane(napi_env env, void *data) {
  (void)env;
  lane_work_t *w = data;
  sealer_t *s = w->s;
  size_t slice = 0;
  for (;;) {
    uv_mutex_lock(&s->lock);
    batch_t *b = s->cursor[w->lane];
    int failed = s->err != 0;
    if (b == NULL || slice >= LANE_SLICE_BYTES) {
      /* Still draining when the slice ran out: the lane stays claimed until lane_done queues it again. */
      if (b == NULL) {
        s->draining[w->lane] = 0;
      } else {
        w->again = 1;
      }
      uv_mutex_unlock(&s->lock);
      /* The lane's own hold on the progress function, taken when it started (see start_lane). */
      napi_release_threadsafe_function(w->progress, napi_tsfn_release);
      return;
    }
    uv_mutex_unlock(&s->lock);
    slice += b->bytes;
    if (!failed) {
      if (w->lane == LANE_HASH) {
        hash_batch(s, b);
      } else {
        seal_batch(s, b);
      }
    }
    uv_mutex_lock(&s->lock);
    b->done |= 1u << w->lane;
    s->cursor[w->lane] = b->next;
    int whole = b->done == ALL_LANES;
    uv_mutex_unlock(&s->lock);
    /* The lane that completes a batch tells JS (the call queue is unbounded, so it is never refused as full). */
    if (whole) napi_call_threadsafe_function(w->progress, NULL, napi_tsfn_nonblocking);
  }
}

static napi_value make_error(napi_env env, int err, const char *failed) {
  char message[256];
  const char *code = err == -1 ? "ERR_BLOB_SEAL" : uv_err_name(uv_translate_sys_error(err));
  if (err == -1) {
    snprintf(message, sizeof message, "blob-seal %s failed in OpenSSL", failed);
  } else {
    snprintf(message, sizeof message, "blob-seal %s %s: %s", failed, code, strerror(err));
  }
  napi_value code_value, message_value, error;
  napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &code_value);
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &message_value);
  napi_create_error(env, code_value, message_value, &error);
  return error;
}

/* On the JS thread: hands back every batch both lanes are done with, then calls progress(batches, bytes, error). */
static void hand_back(napi_env env, sealer_t *s, napi_value callback) {
  size_t bytes = 0;
  int handed = 0;
  for (;;) {
    uv_mutex_lock(&s->lock);
    batch_t *b = s->head;
    if (b == NULL || b->done != ALL_LANES) {
      uv_mutex_unlock(&s->lock);
      break;
    }
    s->head = b->next;
    if (s->head == NULL) s->tail = NULL;
    uv_mutex_unlock(&s->lock);
    napi_delete_reference(env, b->hold);
    bytes += b->bytes;
    handed += 1;
    s->outstanding -= 1;
    free_batch(b);
  }
  uv_mutex_lock(&s->lock);
  int err = s->reported ? 0 : s->err;
  const char *failed = s->failed;
  if (err != 0) s->reported = 1;
  uv_mutex_unlock(&s->lock);
  if (s->outstanding == 0 && s->progress_referenced) {
    /* Nothing in flight: the sealer no longer keeps the event loop alive. */
    napi_unref_threadsafe_function(env, s->progress);
    s->progress_referenced = 0;
  }
  if (handed == 0 && err == 0) return;
  if (callback == NULL) return;
  napi_value args[3], global, ignored;
  napi_create_uint32(env, (uint32_t)handed, &args[0]);
  napi_create_double(env, (double)bytes, &args[1]);
  if (err != 0) {
    args[2] = make_error(env, err, failed);
  } else {
    napi_get_null(env, &args[2]);
  }
  napi_get_global(env, &global);
  napi_call_function(env, global, callback, 3, args, &ignored);
}

static void call_progress(napi_env env, napi_value callback, void *context, void *data) {
  (void)data;
  sealer_t *s = context;
  /* env is NULL when the environment is going away; after close nobody is listening. */
  if (env == NULL || s->closed) return;
  hand_back(env, s, callback);
}

static void start_or_fail(napi_env env, sealer_t *s, napi_value self, int lane);

static void lane_done(napi_env env, napi_status status, void *data) {
  lane_work_t *w = data;
  napi_value self;
  if (status != napi_ok) {
    /* Cancelled before it ran (the environment is going away): give back what drain_lane would have. */
    napi_release_threadsafe_function(w->progress, napi_tsfn_release);
    uv_mutex_lock(&w->s->lock);
    w->s->draining[w->lane] = 0;
    uv_mutex_unlock(&w->s->lock);
  } else if (w->again && napi_get_reference_value(env, w->self, &self) == napi_ok) {
    start_or_fail(env, w->s, self, w->lane);
  }
  napi_delete_async_work(env, w->work);
  napi_delete_reference(env, w->self);
  free(w);
}

static sealer_t *unwrap(napi_env env, napi_callback_info info, size_t *argc, napi_value *argv, napi_value *self) {
  void *data = NULL;
  if (napi_get_cb_info(env, info, argc, argv, self, NULL) != napi_ok) return NULL;
  if (napi_unwrap(env, *self, &data) != napi_ok) {
    napi_throw_type_error(env, NULL, "not a sealer");
    return NULL;
  }
  return data;
}

/* Starts a pool thread on the lane unless one is draining it already. */
static int start_lane(napi_env env, sealer_t *s, napi_value self, int lane) {
  napi_value name;
  lane_work_t *w = calloc(1, sizeof *w);
  if (w == NULL) return 0;
  w->s = s;
  w->lane = lane;
  w->progress = s->progress;
  /*
   * The lane calls the progress function from its pool thread, possibly after JS has seen every batch back and
   * closed the sealer (a batch is handed back as soon as it is done, and the call that announced it may come later):
   * its own hold keeps the function alive until it stops.
   */
  if (napi_acquire_threadsafe_function(w->progress) != napi_ok) goto fail;
  if (napi_create_reference(env, self, 1, &w->self) != napi_ok) {
    napi_release_threadsafe_function(w->progress, napi_tsfn_release);
    goto fail;
  }
  if (napi_create_string_utf8(env, "whoot:blob-seal", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_async_work(env, NULL, name, drain_lane, lane_done, w, &w->work) != napi_ok) {
    napi_delete_reference(env, w->self);
    napi_release_threadsafe_function(w->progress, napi_tsfn_release);
    goto fail;
  }
  if (napi_queue_async_work(env, w->work) != napi_ok) {
    napi_delete_async_work(env, w->work);
    napi_delete_reference(env, w->self);
    napi_release_threadsafe_function(w->progress, napi_tsfn_release);
    goto fail;
  }
  return 1;
fail:
  free(w);
  return 0;
}

/* Starts the lane, or fails the blob when no pool work can be queued (its batches are passed, not lost track of). */
static void start_or_fail(napi_env env, sealer_t *s, napi_value self, int lane) {
  if (start_lane(env, s, self, lane)) return;
  uv_mutex_lock(&s->lock);
  s->draining[lane] = 0;
  if (s->err == 0) {
    s->err = EAGAIN;
    s->failed = "start";
  }
  for (batch_t *x = s->cursor[lane]; x != NULL; x = x->next) x->done |= 1u << lane;
  s->cursor[lane] = NULL;
  uv_mutex_unlock(&s->lock);
  napi_call_threadsafe_function(s->progress, NULL, napi_tsfn_nonblocking);
}

/* Reads chunks (Uint8Array[][]) into a new batch: the pointers and lengths, and a reference that keeps them alive. */
static batch_t *take_chunks(napi_env env, napi_value array, uint32_t chunk_size, int final_last) {
  bool is_array = false;
  uint32_t chunks = 0;
  batch_t *b = NULL;
  if (napi_is_array(env, array, &is_array) != napi_ok || !is_array) {
    napi_throw_type_error(env, NULL, "chunks is an array of arrays of Uint8Array pieces");
    return NULL;
  }
  CHECK(napi_get_array_length(env, array, &chunks));
  if (chunks == 0) {
    napi_throw_range_error(env, NULL, "a batch needs at least one chunk");
    return NULL;
  }
  b = calloc(1, sizeof *b);
  if (b == NULL) goto fail;
  b->chunks = chunks;
  b->chunk_pieces = calloc(chunks, sizeof *b->chunk_pieces);
  if (b->chunk_pieces == NULL) goto fail;
  size_t total_pieces = 0, capacity = 0;
  for (uint32_t c = 0; c < chunks; c++) {
    napi_value chunk;
    uint32_t count = 0;
    CHECK(napi_get_element(env, array, c, &chunk));
    if (napi_is_array(env, chunk, &is_array) != napi_ok || !is_array) {
      napi_throw_type_error(env, NULL, "every chunk is an array of Uint8Array pieces");
      goto refused;
    }
    CHECK(napi_get_array_length(env, chunk, &count));
    size_t chunk_bytes = 0;
    if (total_pieces + count > capacity) {
      capacity = (total_pieces + count) * 2;
      piece_t *grown = realloc(b->pieces, capacity * sizeof *grown);
      if (grown == NULL) goto fail;
      b->pieces = grown;
    }
    for (uint32_t i = 0; i < count; i++) {
      napi_value piece;
      bool is_typed = false;
      napi_typedarray_type type;
      size_t length = 0;
      void *bytes = NULL;
      CHECK(napi_get_element(env, chunk, i, &piece));
      if (napi_is_typedarray(env, piece, &is_typed) != napi_ok || !is_typed ||
          napi_get_typedarray_info(env, piece, &type, &length, &bytes, NULL, NULL) != napi_ok ||
          type != napi_uint8_array) {
        napi_throw_type_error(env, NULL, "every piece is a Uint8Array");
        goto refused;
      }
      b->pieces[total_pieces + i].data = bytes;
      b->pieces[total_pieces + i].length = length;
      b->bytes += length;
      chunk_bytes += length;
    }
    /* The decryptor cuts the blob by the header's chunk size: a chunk of any other length would make it unreadable. */
    int last = final_last && c + 1 == chunks;
    if (last ? chunk_bytes > chunk_size : chunk_bytes != chunk_size) {
      napi_throw_range_error(env, NULL, "every chunk is the header's chunk size, but the blob's last (at most that)");
      goto refused;
    }
    total_pieces += count;
    b->chunk_pieces[c] = count;
  }
  if (b->bytes > MAX_BATCH_BYTES) {
    napi_throw_range_error(env, NULL, "a batch takes at most 16 MiB");
    goto refused;
  }
  CHECK(napi_create_reference(env, array, 1, &b->hold));
  return b;
fail:
  napi_throw_error(env, NULL, "blob-seal could not take the chunks");
refused:
  if (b != NULL) free_batch(b);
  return NULL;
}

static int refuse(napi_env env, sealer_t *s) {
  if (s->closed) {
    napi_throw_error(env, "ERR_BLOB_SEAL_CLOSED", "the sealer is closed");
    return 1;
  }
  if (s->finishing || s->finished) {
    napi_throw_error(env, "ERR_BLOB_SEAL_FINISHED", "the blob was already finished");
    return 1;
  }
  return 0;
}

/* The chunk size a blobCipher.ts header declares, or 0 if it is not one ("WHOOTBL1" | n | key id | salt | size). */
static uint32_t header_chunk_size(const uint8_t *header, size_t length) {
  if (length < 8 + 1 + 16 + 4 || memcmp(header, "WHOOTBL1", 8) != 0 || length != 8 + 1 + (size_t)header[8] + 16 + 4) {
    return 0;
  }
  const uint8_t *size = header + length - 4;
  return (uint32_t)size[0] << 24 | (uint32_t)size[1] << 16 | (uint32_t)size[2] << 8 | size[3];
}

static int is_function(napi_env env, napi_value value) {
  napi_valuetype type;
  return napi_typeof(env, value, &type) == napi_ok && type == napi_function;
}

/*
 * push(chunks: Uint8Array[][], finalLast: boolean): queues the chunks to be hashed, sealed and appended after the
 * ones before; progress(batches, bytes) says when both lanes are done with them.
 */
static napi_value sealer_push(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], self;
  bool final_last = false;
  sealer_t *s = unwrap(env, info, &argc, argv, &self);
  if (s == NULL || refuse(env, s)) return NULL;
  if (s->sealed_final) {
    napi_throw_error(env, "ERR_BLOB_SEAL_FINAL", "the last chunk was already pushed");
    return NULL;
  }
  if (argc < 2 || napi_get_value_bool(env, argv[1], &final_last) != napi_ok) {
    napi_throw_type_error(env, NULL, "push(chunks: Uint8Array[][], finalLast: boolean)");
    return NULL;
  }
  batch_t *b = take_chunks(env, argv[0], s->chunk_size, final_last);
  if (b == NULL) return NULL;
  b->final_last = final_last;
  if (!s->progress_referenced) {
    /* Batches in flight: their progress call must get to run before the process may exit. */
    napi_ref_threadsafe_function(env, s->progress);
    s->progress_referenced = 1;
  }
  int start[LANES] = {0};
  uv_mutex_lock(&s->lock);
  if (s->tail != NULL) {
    s->tail->next = b;
  } else {
    s->head = b;
  }
  s->tail = b;
  for (int lane = 0; lane < LANES; lane++) {
    if (s->cursor[lane] == NULL) s->cursor[lane] = b;
    if (!s->draining[lane]) start[lane] = s->draining[lane] = 1;
  }
  uv_mutex_unlock(&s->lock);
  s->outstanding += 1;
  if (final_last) s->sealed_final = 1;
  for (int lane = 0; lane < LANES; lane++) {
    if (start[lane]) start_or_fail(env, s, self, lane);
  }
  return NULL;
}

static void finish_execute(napi_env env, void *data) {
  (void)env;
  finish_t *f = data;
  if (fsync(f->s->fd) != 0) {
    f->err = errno;
    f->failed = "fsync";
    return;
  }
  unsigned int length = 0;
  if (EVP_DigestFinal_ex(f->s->hash, f->digest, &length) != 1 || length != 32) {
    f->err = -1;
    f->failed = "digest";
  }
}

static void finish_done(napi_env env, napi_status status, void *data) {
  finish_t *f = data;
  f->s->finishing = 0;
  f->s->finished = 1;
  napi_value callback, global, args[2], ignored;
  napi_get_undefined(env, &args[1]);
  if (status != napi_ok && f->err == 0) {
    f->err = ECANCELED;
    f->failed = "finish";
  }
  if (f->err != 0) {
    args[0] = make_error(env, f->err, f->failed);
  } else {
    void *bytes;
    napi_get_null(env, &args[0]);
    napi_create_buffer_copy(env, 32, f->digest, &bytes, &args[1]);
  }
  napi_get_reference_value(env, f->callback, &callback);
  napi_get_global(env, &global);
  napi_delete_reference(env, f->callback);
  napi_delete_reference(env, f->self);
  napi_delete_async_work(env, f->work);
  free(f);
  /* An exception from the callback is the caller's: Node reports it as uncaught, as for any callback. */
  napi_make_callback(env, NULL, global, callback, 2, args, &ignored);
}

/* finish(callback(error, sha256: Buffer)): fsync, then the plaintext's SHA-256. Once, after every batch is back. */
static napi_value sealer_finish(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], self, name;
  sealer_t *s = unwrap(env, info, &argc, argv, &self);
  if (s == NULL || refuse(env, s)) return NULL;
  if (!s->sealed_final || s->outstanding != 0) {
    napi_throw_error(env, "ERR_BLOB_SEAL_NOT_FINAL", "finish comes after the final chunk is back");
    return NULL;
  }
  if (s->err != 0) {
    napi_throw_error(env, "ERR_BLOB_SEAL_FAILED", "the blob failed: there is nothing to finish");
    return NULL;
  }
  if (argc < 1 || !is_function(env, argv[0])) {
    napi_throw_type_error(env, NULL, "finish(callback)");
    return NULL;
  }
  finish_t *f = calloc(1, sizeof *f);
  if (f == NULL) goto fail;
  f->s = s;
  CHECK(napi_create_reference(env, argv[0], 1, &f->callback));
  CHECK(napi_create_reference(env, self, 1, &f->self));
  CHECK(napi_create_string_utf8(env, "whoot:blob-seal", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_async_work(env, NULL, name, finish_execute, finish_done, f, &f->work));
  if (napi_queue_async_work(env, f->work) != napi_ok) {
    napi_delete_async_work(env, f->work);
    goto fail;
  }
  s->finishing = 1;
  return NULL;
fail:
  if (f != NULL) {
    if (f->callback != NULL) napi_delete_reference(env, f->callback);
    if (f->self != NULL) napi_delete_reference(env, f->self);
    free(f);
  }
  napi_throw_error(env, NULL, "blob-seal could not queue the finish");
  return NULL;
}

/* close(): drops the key, the hash state and the buffers at once. The descriptor is the caller's to close. */
static napi_value sealer_close(napi_env env, napi_callback_info info) {
  size_t argc = 0;
  napi_value self;
  sealer_t *s = unwrap(env, info, &argc, NULL, &self);
  if (s == NULL || s->closed) return NULL;
  if (s->outstanding != 0 || s->finishing) {
    napi_throw_error(env, "ERR_BLOB_SEAL_BUSY", "close waits until every batch is back and finish is done");
    return NULL;
  }
  s->closed = 1;
  release_crypto(s);
  napi_release_threadsafe_function(s->progress, napi_tsfn_release);
  s->progress = NULL;
  return NULL;
}

/* open(fd, key: 32 bytes, header: Uint8Array, progress(batches, bytes, error)) */
static napi_value open_sealer(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4], object, name;
  int32_t fd = -1;
  void *key = NULL, *header = NULL;
  size_t key_length = 0, header_length = 0;
  bool is_typed = false;
  napi_typedarray_type kind;
  sealer_t *s = NULL;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 4 || napi_get_value_int32(env, argv[0], &fd) != napi_ok || fd < 0 ||
      napi_is_typedarray(env, argv[1], &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, argv[1], &kind, &key_length, &key, NULL, NULL) != napi_ok ||
      kind != napi_uint8_array || key_length != KEY_BYTES ||
      napi_is_typedarray(env, argv[2], &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, argv[2], &kind, &header_length, &header, NULL, NULL) != napi_ok ||
      kind != napi_uint8_array || header_length > MAX_HEADER_BYTES ||
      header_chunk_size(header, header_length) == 0 || !is_function(env, argv[3])) {
    napi_throw_type_error(env, NULL, "open(fd, key: 32-byte Uint8Array, header: a blob header, progress)");
    return NULL;
  }
  s = calloc(1, sizeof *s);
  if (s == NULL || uv_mutex_init(&s->lock) != 0) {
    free(s);
    napi_throw_error(env, NULL, "blob-seal could not open a sealer");
    return NULL;
  }
  s->fd = fd;
  s->holders = 1;
  memcpy(s->header, header, header_length);
  s->header_length = header_length;
  s->chunk_size = header_chunk_size(header, header_length);
  s->cipher = EVP_CIPHER_CTX_new();
  s->hash = EVP_MD_CTX_new();
  if (s->cipher == NULL || s->hash == NULL ||
      EVP_EncryptInit_ex(s->cipher, EVP_aes_256_gcm(), NULL, key, NULL) != 1 ||
      EVP_CIPHER_CTX_ctrl(s->cipher, EVP_CTRL_GCM_SET_IVLEN, NONCE_BYTES, NULL) != 1 ||
      EVP_DigestInit_ex(s->hash, EVP_sha256(), NULL) != 1) {
    release_crypto(s);
    uv_mutex_destroy(&s->lock);
    free(s);
    napi_throw_error(env, "ERR_BLOB_SEAL", "blob-seal could not set up AES-256-GCM and SHA-256");
    return NULL;
  }
  CHECK(napi_create_string_utf8(env, "whoot:blob-seal:progress", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_create_threadsafe_function(env, argv[3], NULL, name, 0, 1, s, progress_finalized, s, call_progress,
                                        &s->progress));
  s->holders += 1;
  /* Referenced only while batches are in flight (push and hand_back): an idle sealer never holds the loop open. */
  CHECK(napi_unref_threadsafe_function(env, s->progress));
  napi_property_descriptor methods[] = {
      {"push", NULL, sealer_push, NULL, NULL, NULL, napi_default, NULL},
      {"finish", NULL, sealer_finish, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, sealer_close, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(napi_create_object(env, &object));
  CHECK(napi_define_properties(env, object, 3, methods));
  if (napi_wrap(env, object, s, finalize_sealer, NULL, NULL) != napi_ok) goto fail;
  return object;
fail:
  if (s != NULL) {
    release_crypto(s);
    if (s->progress != NULL) {
      /* Its finalizer frees the sealer. */
      napi_release_threadsafe_function(s->progress, napi_tsfn_abort);
      s->progress = NULL;
    }
    let_go(env, s);
  }
  napi_throw_error(env, NULL, "blob-seal could not open a sealer");
  return NULL;
}

/*
 * A known answer before anything is sealed: AES-256-GCM with the zero key and nonce over 16 zero bytes and the AAD
 * "whoot", and SHA-256("abc"). A host whose OpenSSL symbols are not Node's (or not OpenSSL) fails here, at load.
 */
static int self_test(void) {
  static const uint8_t expect_cipher[16] = {0xce, 0xa7, 0x40, 0x3d, 0x4d, 0x60, 0x6b, 0x6e,
                                            0x07, 0x4e, 0xc5, 0xd3, 0xba, 0xf3, 0x9d, 0x18};
  static const uint8_t expect_tag[16] = {0x84, 0x4a, 0xfe, 0x4b, 0x30, 0xfe, 0x6b, 0x26,
                                         0xab, 0x9f, 0xc4, 0x0f, 0xb9, 0x2d, 0x47, 0xea};
  static const uint8_t expect_sha[32] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40,
                                         0xde, 0x5d, 0xae, 0x22, 0x23, 0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17,
                                         0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
  uint8_t key[32] = {0}, nonce[12] = {0}, zeros[16] = {0}, out[16], rest[16], tag[16], sha[32];
  int length = 0, ok = 0;
  unsigned int sha_length = 0;
  EVP_CIPHER_CTX *cipher = EVP_CIPHER_CTX_new();
  EVP_MD_CTX *hash = EVP_MD_CTX_new();
  if (cipher != NULL && hash != NULL && EVP_EncryptInit_ex(cipher, EVP_aes_256_gcm(), NULL, key, nonce) == 1 &&
      EVP_EncryptUpdate(cipher, NULL, &length, (const uint8_t *)"whoot", 5) == 1 &&
      EVP_EncryptUpdate(cipher, out, &length, zeros, 16) == 1 && length == 16 &&
      EVP_EncryptFinal_ex(cipher, rest, &length) == 1 &&
      EVP_CIPHER_CTX_ctrl(cipher, EVP_CTRL_GCM_GET_TAG, 16, tag) == 1 &&
      EVP_DigestInit_ex(hash, EVP_sha256(), NULL) == 1 && EVP_DigestUpdate(hash, "abc", 3) == 1 &&
      EVP_DigestFinal_ex(hash, sha, &sha_length) == 1 && sha_length == 32) {
    ok = memcmp(out, expect_cipher, 16) == 0 && memcmp(tag, expect_tag, 16) == 0 && memcmp(sha, expect_sha, 32) == 0;
  }
  if (cipher != NULL) EVP_CIPHER_CTX_free(cipher);
  if (hash != NULL) EVP_MD_CTX_free(hash);
  return ok;
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value supported, fn, limit;
  int ok = self_test();
  napi_get_boolean(env, ok, &supported);
  napi_set_named_property(env, exports, "supported", supported);
  if (!ok) {
    napi_value reason;
    napi_create_string_utf8(env, "the OpenSSL in this process failed blob-seal's known-answer test", NAPI_AUTO_LENGTH,
                            &reason);
    napi_set_named_property(env, exports, "loadError", reason);
    return exports;
  }
  napi_create_function(env, "open", NAPI_AUTO_LENGTH, open_sealer, NULL, &fn);
  napi_set_named_property(env, exports, "open", fn);
  napi_create_uint32(env, MAX_BATCH_BYTES, &limit);
  napi_set_named_property(env, exports, "maxBatchBytes", limit);
  return exports;
}

#else

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value supported;
  napi_get_boolean(env, false, &supported);
  napi_set_named_property(env, exports, "supported", supported);
  return exports;
}

#endif
