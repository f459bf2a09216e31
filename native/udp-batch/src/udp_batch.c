/*
 * The relay's client-facing UDP socket, read with recvmmsg and written with sendmmsg (Linux).
 *
 * Why: Node's dgram costs, per datagram, a receive buffer, a JS callback with a fresh address string, a SendWrap and
 * its own sendmsg, and a second recvmsg that returns EAGAIN; that, not the relay's JavaScript, is most of the relay's
 * CPU (main/server/turn/README.md). Here one readable event takes up to BATCH datagrams in one system call into a
 * buffer JS already holds, calls JS once for them all, and sends what JS queued meanwhile in one system call.
 *
 * JS keeps every decision: this file parses nothing and forwards nothing on its own.
 */
#define _GNU_SOURCE
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef __linux__
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

/* Datagrams taken per system call, and per readable event at most ROUNDS times that (then other work gets a turn). */
#define BATCH 32
#define ROUNDS 4
/* As large as a UDP datagram can be, so nothing is cut short (Node's dgram reads 64 KiB too). */
#define SLOT_BYTES 65536
/* Per slot: length, port, family | truncated << 8, IPv4 as a host-order u32, then the address's 16 bytes. */
#define META_WORDS 8
/* Sends queued during a batch; a longer packet (or a full queue) flushes and goes on its own. */
#define SEND_SLOTS 64
#define SEND_SLOT_BYTES 2048

typedef struct {
  napi_env env;
  int fd;
  int family;
  uv_poll_t poll;
  napi_ref self;
  napi_ref callback;
  napi_ref recv_buffer;
  napi_ref meta_buffer;
  napi_async_context async;
  uint32_t *meta;
  struct mmsghdr rmsgs[BATCH];
  struct iovec riov[BATCH];
  struct sockaddr_storage raddr[BATCH];
  struct mmsghdr smsgs[SEND_SLOTS];
  struct iovec siov[SEND_SLOTS];
  struct sockaddr_storage saddr[SEND_SLOTS];
  uint8_t *sbuf;
  int queued;
  int in_batch;
  int closed;
  /* Freed once libuv is done with the handle and no JS value holding `l` (the object, its functions) is left. */
  int handle_closed;
  int js_values;
  double received, batches, sent, send_failed, send_calls;
} listener_t;

#define CHECK(call)                                                                                                \
  do {                                                                                                             \
    if ((call) != napi_ok) goto fail;                                                                              \
  } while (0)

static napi_value throw_errno(napi_env env, const char *what, int err) {
  char message[256];
  const char *code = uv_err_name(uv_translate_sys_error(err));
  snprintf(message, sizeof message, "%s %s: %s", what, code, strerror(err));
  napi_throw_error(env, code, message);
  return NULL;
}

/* Sends everything queued: sendmmsg stops at the first failure, which is counted and skipped (UDP: a lost packet). */
static void flush(listener_t *l) {
  int from = 0;
  while (from < l->queued) {
    int n = sendmmsg(l->fd, l->smsgs + from, (unsigned)(l->queued - from), MSG_DONTWAIT);
    l->send_calls++;
    if (n < 0) {
      if (errno == EINTR) continue;
      l->send_failed++;
      from++;
    } else {
      l->sent += n;
      from += n;
    }
  }
  l->queued = 0;
}

static void call_js(listener_t *l, int count) {
  napi_env env = l->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback, self, argv[1], result;
  if (napi_get_reference_value(env, l->callback, &callback) == napi_ok &&
      napi_get_reference_value(env, l->self, &self) == napi_ok && napi_create_int32(env, count, &argv[0]) == napi_ok) {
    l->in_batch++;
    napi_status status = napi_make_callback(env, l->async, self, callback, 1, argv, &result);
    l->in_batch--;
    if (status == napi_pending_exception) {
      napi_value error;
      napi_get_and_clear_last_exception(env, &error);
      napi_fatal_exception(env, error);
    }
  }
  napi_close_handle_scope(env, scope);
}

static void on_readable(uv_poll_t *handle, int status, int events) {
  (void)events;
  listener_t *l = handle->data;
  if (status < 0 || l->closed) return;
  for (int round = 0; round < ROUNDS && !l->closed; round++) {
    for (int i = 0; i < BATCH; i++) {
      l->rmsgs[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_storage);
      l->rmsgs[i].msg_hdr.msg_flags = 0;
    }
    int n = recvmmsg(l->fd, l->rmsgs, BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0) return;
    for (int i = 0; i < n; i++) {
      uint32_t *m = l->meta + i * META_WORDS;
      const struct sockaddr_storage *from = &l->raddr[i];
      int truncated = (l->rmsgs[i].msg_hdr.msg_flags & MSG_TRUNC) != 0;
      m[0] = l->rmsgs[i].msg_len;
      if (from->ss_family == AF_INET) {
        const struct sockaddr_in *v4 = (const struct sockaddr_in *)from;
        m[1] = ntohs(v4->sin_port);
        m[2] = 4u | ((uint32_t)truncated << 8);
        m[3] = ntohl(v4->sin_addr.s_addr);
        memset(m + 4, 0, 16);
        memcpy(m + 4, &v4->sin_addr, 4);
      } else {
        const struct sockaddr_in6 *v6 = (const struct sockaddr_in6 *)from;
        m[1] = ntohs(v6->sin6_port);
        m[2] = 6u | ((uint32_t)truncated << 8);
        m[3] = 0;
        memcpy(m + 4, &v6->sin6_addr, 16);
      }
    }
    l->received += n;
    l->batches++;
    call_js(l, n);
    if (l->queued > 0) flush(l);
    if (n < BATCH) return;
  }
}

/* The destination in the socket's own family: an IPv6 socket reaches IPv4 clients as ::ffff:a.b.c.d. */
static int address_for(listener_t *l, int family, uint32_t port, uint32_t v4, const uint8_t *v6,
                       struct sockaddr_storage *out) {
  memset(out, 0, sizeof *out);
  if (l->family == AF_INET) {
    if (family != 4) return 0;
    struct sockaddr_in *a = (struct sockaddr_in *)out;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    a->sin_addr.s_addr = htonl(v4);
    return sizeof *a;
  }
  struct sockaddr_in6 *a = (struct sockaddr_in6 *)out;
  a->sin6_family = AF_INET6;
  a->sin6_port = htons((uint16_t)port);
  if (family == 4) {
    a->sin6_addr.s6_addr[10] = 0xff;
    a->sin6_addr.s6_addr[11] = 0xff;
    uint32_t be = htonl(v4);
    memcpy(&a->sin6_addr.s6_addr[12], &be, 4);
  } else {
    memcpy(&a->sin6_addr, v6, 16);
  }
  return sizeof *a;
}

/* send(packet, family, port, ipv4 (u32, host order) | ipv6 (16 bytes)) */
static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  listener_t *l;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, (void **)&l));
  if (argc < 4 || l == NULL || l->closed) return NULL;
  napi_typedarray_type type;
  size_t length;
  void *data;
  CHECK(napi_get_typedarray_info(env, argv[0], &type, &length, &data, NULL, NULL));
  if (type != napi_uint8_array) return NULL;
  uint32_t family, port, v4 = 0;
  CHECK(napi_get_value_uint32(env, argv[1], &family));
  CHECK(napi_get_value_uint32(env, argv[2], &port));
  uint8_t v6[16] = {0};
  if (family == 4) {
    CHECK(napi_get_value_uint32(env, argv[3], &v4));
  } else {
    napi_typedarray_type address_type;
    size_t address_length;
    void *address;
    CHECK(napi_get_typedarray_info(env, argv[3], &address_type, &address_length, &address, NULL, NULL));
    if (address_type != napi_uint8_array || address_length != 16) return NULL;
    memcpy(v6, address, 16);
  }
  if (l->in_batch && length <= SEND_SLOT_BYTES) {
    if (l->queued == SEND_SLOTS) flush(l);
    int i = l->queued;
    int name_length = address_for(l, (int)family, port, v4, v6, &l->saddr[i]);
    if (name_length == 0) return NULL;
    memcpy(l->sbuf + (size_t)i * SEND_SLOT_BYTES, data, length);
    l->siov[i].iov_len = length;
    l->smsgs[i].msg_hdr.msg_namelen = (socklen_t)name_length;
    l->queued++;
    return NULL;
  }
  if (l->queued > 0) flush(l);
  struct sockaddr_storage to;
  int name_length = address_for(l, (int)family, port, v4, v6, &to);
  if (name_length == 0) return NULL;
  l->send_calls++;
  if (sendto(l->fd, data, length, MSG_DONTWAIT, (struct sockaddr *)&to, (socklen_t)name_length) < 0)
    l->send_failed++;
  else
    l->sent++;
  return NULL;
fail:
  return NULL;
}

static void free_listener(listener_t *l) {
  free(l->sbuf);
  free(l);
}

/* A closed listener's functions may still be called (a client link's send after the relay stopped): they find
 * `closed` set, so `l` must outlive every JS value that carries it, as well as the libuv handle. */
static void free_if_unused(listener_t *l) {
  if (l->handle_closed && l->js_values == 0) free_listener(l);
}

static void on_closed(uv_handle_t *handle) {
  listener_t *l = handle->data;
  l->handle_closed = 1;
  free_if_unused(l);
}

static void on_js_value_gone(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  listener_t *l = data;
  l->js_values--;
  free_if_unused(l);
}

/* After uv_close libuv no longer looks at the fd, so the port is given back now, not a loop turn later. */
static void close_socket(listener_t *l) {
  uv_close((uv_handle_t *)&l->poll, on_closed);
  close(l->fd);
  l->fd = -1;
}

static void on_env_cleanup(void *data);

/* Stops reading and closes the socket; env teardown (a worker ending) does the same without touching JS. */
static void shut(listener_t *l, int release_js) {
  if (l->closed) return;
  l->closed = 1;
  if (l->queued > 0) flush(l);
  if (release_js) {
    /* Nothing left for the hook to close, and `l` may be gone by the time the environment ends. */
    napi_remove_env_cleanup_hook(l->env, on_env_cleanup, l);
    napi_delete_reference(l->env, l->callback);
    napi_delete_reference(l->env, l->self);
    napi_delete_reference(l->env, l->recv_buffer);
    napi_delete_reference(l->env, l->meta_buffer);
    napi_async_destroy(l->env, l->async);
  }
  close_socket(l);
}

static void on_env_cleanup(void *data) {
  listener_t *l = data;
  if (l->closed) return;
  l->closed = 1;
  close_socket(l);
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  listener_t *l;
  if (napi_get_cb_info(env, info, NULL, NULL, NULL, (void **)&l) != napi_ok || l == NULL || l->closed) return NULL;
  napi_remove_env_cleanup_hook(env, on_env_cleanup, l);
  shut(l, 1);
  return NULL;
}

/* cork() and uncork(): sends in between are queued and leave in one sendmmsg (a load generator's burst). */
static napi_value js_cork(napi_env env, napi_callback_info info) {
  listener_t *l;
  if (napi_get_cb_info(env, info, NULL, NULL, NULL, (void **)&l) == napi_ok && l != NULL && !l->closed) l->in_batch++;
  return NULL;
}

static napi_value js_uncork(napi_env env, napi_callback_info info) {
  listener_t *l;
  if (napi_get_cb_info(env, info, NULL, NULL, NULL, (void **)&l) != napi_ok || l == NULL || l->closed) return NULL;
  if (l->in_batch > 0 && --l->in_batch == 0 && l->queued > 0) flush(l);
  return NULL;
}

static napi_value js_stats(napi_env env, napi_callback_info info) {
  listener_t *l;
  napi_value out = NULL, value;
  CHECK(napi_get_cb_info(env, info, NULL, NULL, NULL, (void **)&l));
  CHECK(napi_create_object(env, &out));
  const char *names[] = {"received", "batches", "sent", "sendFailed", "sendCalls"};
  double values[] = {l->received, l->batches, l->sent, l->send_failed, l->send_calls};
  for (int i = 0; i < 5; i++) {
    CHECK(napi_create_double(env, values[i], &value));
    CHECK(napi_set_named_property(env, out, names[i], value));
  }
  return out;
fail:
  return out;
}

static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 6) {
    napi_throw_type_error(env, NULL, "open(host, port, reusePort, bufferBytes, onBatch, owner)");
    return NULL;
  }
  char host[64];
  size_t host_length;
  uint32_t port, buffer_bytes;
  bool reuse_port;
  CHECK(napi_get_value_string_utf8(env, argv[0], host, sizeof host, &host_length));
  CHECK(napi_get_value_uint32(env, argv[1], &port));
  CHECK(napi_get_value_bool(env, argv[2], &reuse_port));
  CHECK(napi_get_value_uint32(env, argv[3], &buffer_bytes));

  struct sockaddr_storage bind_to;
  socklen_t bind_length;
  memset(&bind_to, 0, sizeof bind_to);
  int family;
  struct sockaddr_in *v4 = (struct sockaddr_in *)&bind_to;
  struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&bind_to;
  if (inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
    family = AF_INET;
    v4->sin_family = AF_INET;
    v4->sin_port = htons((uint16_t)port);
    bind_length = sizeof *v4;
  } else if (inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
    family = AF_INET6;
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons((uint16_t)port);
    bind_length = sizeof *v6;
  } else {
    napi_throw_type_error(env, "EINVAL", "open: host must be an IP address");
    return NULL;
  }

  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, "socket", errno);
  int on = 1, off = 0, size = (int)buffer_bytes;
  if (reuse_port && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &on, sizeof on) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "setsockopt SO_REUSEPORT", err);
  }
  /* Dual-stack, as Node's udp6 sockets are unless ipv6Only is asked for. */
  if (family == AF_INET6) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
  if (bind(fd, (struct sockaddr *)&bind_to, bind_length) < 0) {
    int err = errno;
    close(fd);
    return throw_errno(env, "bind", err);
  }
  /* The kernel caps these (net.core.rmem_max); the default still works. */
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  struct sockaddr_storage bound;
  socklen_t bound_length = sizeof bound;
  getsockname(fd, (struct sockaddr *)&bound, &bound_length);
  uint32_t bound_port = ntohs(family == AF_INET ? ((struct sockaddr_in *)&bound)->sin_port
                                                : ((struct sockaddr_in6 *)&bound)->sin6_port);

  listener_t *l = calloc(1, sizeof *l);
  if (l == NULL) {
    close(fd);
    napi_throw_error(env, "ENOMEM", "open: out of memory");
    return NULL;
  }
  l->env = env;
  l->fd = fd;
  l->family = family;
  l->sbuf = malloc((size_t)SEND_SLOTS * SEND_SLOT_BYTES);
  for (int i = 0; i < SEND_SLOTS; i++) {
    l->siov[i].iov_base = l->sbuf + (size_t)i * SEND_SLOT_BYTES;
    l->smsgs[i].msg_hdr.msg_iov = &l->siov[i];
    l->smsgs[i].msg_hdr.msg_iovlen = 1;
    l->smsgs[i].msg_hdr.msg_name = &l->saddr[i];
  }

  /* V8 owns both buffers (Electron's memory cage refuses external ones); their memory does not move. */
  napi_value recv_buffer, meta_buffer, result, value, owner = argv[5];
  void *recv_data, *meta_data;
  CHECK(napi_create_arraybuffer(env, (size_t)BATCH * SLOT_BYTES, &recv_data, &recv_buffer));
  CHECK(napi_create_arraybuffer(env, (size_t)BATCH * META_WORDS * 4, &meta_data, &meta_buffer));
  uint8_t *recv_bytes = recv_data;
  l->meta = meta_data;
  for (int i = 0; i < BATCH; i++) {
    l->riov[i].iov_base = recv_bytes + (size_t)i * SLOT_BYTES;
    l->riov[i].iov_len = SLOT_BYTES;
    l->rmsgs[i].msg_hdr.msg_iov = &l->riov[i];
    l->rmsgs[i].msg_hdr.msg_iovlen = 1;
    l->rmsgs[i].msg_hdr.msg_name = &l->raddr[i];
  }
  CHECK(napi_create_reference(env, recv_buffer, 1, &l->recv_buffer));
  CHECK(napi_create_reference(env, meta_buffer, 1, &l->meta_buffer));
  CHECK(napi_create_reference(env, argv[4], 1, &l->callback));
  CHECK(napi_create_reference(env, owner, 1, &l->self));
  napi_value resource_name;
  CHECK(napi_create_string_utf8(env, "whoot.udpBatch", NAPI_AUTO_LENGTH, &resource_name));
  CHECK(napi_async_init(env, owner, resource_name, &l->async));

  struct uv_loop_s *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  if (uv_poll_init(loop, &l->poll, fd) != 0) goto fail;
  l->poll.data = l;
  uv_poll_start(&l->poll, UV_READABLE, on_readable);
  napi_add_env_cleanup_hook(env, on_env_cleanup, l);

  CHECK(napi_create_object(env, &result));
  l->js_values++;
  CHECK(napi_add_finalizer(env, result, l, on_js_value_gone, NULL, NULL));
  CHECK(napi_set_named_property(env, result, "buffer", recv_buffer));
  CHECK(napi_set_named_property(env, result, "meta", meta_buffer));
  CHECK(napi_create_uint32(env, bound_port, &value));
  CHECK(napi_set_named_property(env, result, "port", value));
  CHECK(napi_create_uint32(env, family == AF_INET ? 4 : 6, &value));
  CHECK(napi_set_named_property(env, result, "family", value));
  CHECK(napi_create_function(env, "send", NAPI_AUTO_LENGTH, js_send, l, &value));
  l->js_values++;
  CHECK(napi_add_finalizer(env, value, l, on_js_value_gone, NULL, NULL));
  CHECK(napi_set_named_property(env, result, "send", value));
  CHECK(napi_create_function(env, "close", NAPI_AUTO_LENGTH, js_close, l, &value));
  l->js_values++;
  CHECK(napi_add_finalizer(env, value, l, on_js_value_gone, NULL, NULL));
  CHECK(napi_set_named_property(env, result, "close", value));
  CHECK(napi_create_function(env, "cork", NAPI_AUTO_LENGTH, js_cork, l, &value));
  l->js_values++;
  CHECK(napi_add_finalizer(env, value, l, on_js_value_gone, NULL, NULL));
  CHECK(napi_set_named_property(env, result, "cork", value));
  CHECK(napi_create_function(env, "uncork", NAPI_AUTO_LENGTH, js_uncork, l, &value));
  l->js_values++;
  CHECK(napi_add_finalizer(env, value, l, on_js_value_gone, NULL, NULL));
  CHECK(napi_set_named_property(env, result, "uncork", value));
  CHECK(napi_create_function(env, "stats", NAPI_AUTO_LENGTH, js_stats, l, &value));
  l->js_values++;
  CHECK(napi_add_finalizer(env, value, l, on_js_value_gone, NULL, NULL));
  CHECK(napi_set_named_property(env, result, "stats", value));
  return result;
fail:
  napi_throw_error(env, NULL, "open: Node-API call failed");
  return NULL;
}
#endif

NAPI_MODULE_INIT() {
  napi_value value;
#ifdef __linux__
  napi_get_boolean(env, true, &value);
  napi_set_named_property(env, exports, "supported", value);
  napi_create_uint32(env, BATCH, &value);
  napi_set_named_property(env, exports, "batch", value);
  napi_create_uint32(env, SLOT_BYTES, &value);
  napi_set_named_property(env, exports, "slotBytes", value);
  napi_create_uint32(env, META_WORDS, &value);
  napi_set_named_property(env, exports, "metaWords", value);
  napi_create_function(env, "open", NAPI_AUTO_LENGTH, js_open, NULL, &value);
  napi_set_named_property(env, exports, "open", value);
#else
  napi_get_boolean(env, false, &value);
  napi_set_named_property(env, exports, "supported", value);
#endif
  return exports;
}
