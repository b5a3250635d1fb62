// sync_probe: an LD_PRELOAD library for the durability tests (tests/e2e/test_security.py). It
// wraps the calls that make data durable (fsync, fdatasync, msync with MS_SYNC) so that a test
// can tell whether an acknowledged write waited for one, which a kill -9 cannot:
//   SYNC_PROBE_LOG=FILE   each call appends "sync NAME" to FILE once it returned;
//   SYNC_PROBE_GATE=FILE  while FILE exists, each call first appends "waiting NAME" and then
//                         blocks until FILE is removed.
// A server that answers a write before its sync returns is caught answering while the gate is
// closed. Built without sanitizers (it is loaded before their runtime).
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

namespace {

void Note(const char* what, const char* name) {
  const char* log = getenv("SYNC_PROBE_LOG");
  if (!log) return;
  int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return;
  char line[64];
  size_t n = 0;
  for (const char* p = what; *p && n < 30; ++p) line[n++] = *p;
  line[n++] = ' ';
  for (const char* p = name; *p && n < 60; ++p) line[n++] = *p;
  line[n++] = '\n';
  [[maybe_unused]] ssize_t written = write(fd, line, n);  // one write: lines never interleave
  close(fd);
}

void PassGate(const char* name) {
  const char* gate = getenv("SYNC_PROBE_GATE");
  if (!gate || access(gate, F_OK) != 0) return;
  Note("waiting", name);
  const timespec pause{0, 5 * 1000 * 1000};
  while (access(gate, F_OK) == 0) nanosleep(&pause, nullptr);
}

template <typename Fn>
Fn Real(const char* name) {
  return reinterpret_cast<Fn>(dlsym(RTLD_NEXT, name));
}

}  // namespace

extern "C" {

int fsync(int fd) {
  static auto real = Real<int (*)(int)>("fsync");
  PassGate("fsync");
  int rc = real(fd);
  Note("sync", "fsync");
  return rc;
}

int fdatasync(int fd) {
  static auto real = Real<int (*)(int)>("fdatasync");
  PassGate("fdatasync");
  int rc = real(fd);
  Note("sync", "fdatasync");
  return rc;
}

int msync(void* addr, size_t length, int flags) {
  static auto real = Real<int (*)(void*, size_t, int)>("msync");
  const bool durable = (flags & MS_SYNC) != 0;
  if (durable) PassGate("msync");
  int rc = real(addr, length, flags);
  if (durable) Note("sync", "msync");
  return rc;
}

}  // extern "C"
