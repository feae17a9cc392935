/* sys_unix.h — AF_UNIX sockets (syscall/sys_unix.c), for sys_socket.c: it
 * calls these for an fd that unix_is(). Each returns what the system call
 * of the same name returns (a negative errno on failure). (flags) of
 * send/recv: MSG_DONTWAIT, MSG_PEEK, MSG_TRUNC as Linux. */
#ifndef SYS_UNIX_H
#define SYS_UNIX_H
#include <stdbool.h>
#include <stdint.h>

struct kfile;
bool unix_is(const struct kfile *f);
int64_t unix_socket(uint64_t type, uint64_t flags);
int64_t unix_socketpair(uint64_t type, uint64_t flags, uint64_t usv);
int64_t unix_bind(struct kfile *f, uint64_t uaddr, uint64_t alen);
int64_t unix_listen(struct kfile *f, uint64_t backlog);
int64_t unix_connect(struct kfile *f, uint64_t uaddr, uint64_t alen);
int64_t unix_accept(struct kfile *f, uint64_t uaddr, uint64_t ualen, uint64_t flags);
int64_t unix_send(struct kfile *f, const void *buf, uint64_t n, int flags);
/* *(oflags) |= MSG_TRUNC when a message did not fit; (oflags) MAY be NULL. */
int64_t unix_recv(struct kfile *f, void *buf, uint64_t n, int flags, int *oflags);
int64_t unix_shutdown(struct kfile *f, uint64_t how);
int64_t unix_name(struct kfile *f, uint64_t uaddr, uint64_t ualen, bool peer);
int unix_type(const struct kfile *f);
uint32_t unix_nread(const struct kfile *f);   /* FIONREAD */

/* sys_socket.c: -EPIPE from a socket write; unless (nosignal) (MSG_NOSIGNAL)
 * or ignored, SIGPIPE goes to the thread too (default action: status 141). */
int64_t sock_epipe(bool nosignal);
#endif
