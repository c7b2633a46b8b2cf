// A blocking xenstore wire-protocol client for load generation: one unix
// socket, struct xsd_sockmsg framing, and the few operations the workloads
// need. It supports pipelining (queue many requests, flush once, then read
// the replies in order) because measuring a daemon's pipelined throughput is
// one of the workloads. Not thread-safe: one connection per thread.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include <xen/io/xs_wire.h>

#include "cxxenstored/util/result.h"

namespace xsperf {

using cxxenstored::Error;
using cxxenstored::Result;

// One message as it travels on the wire (header fields plus payload).
struct Message {
  uint32_t type = 0;
  uint32_t req_id = 0;
  uint32_t tx_id = 0;
  std::string payload;
};

// A watch event: the two strings of an XS_WATCH_EVENT payload.
struct WatchEvent {
  std::string path;
  std::string token;
};

// Maps the error name the daemon sends ("EAGAIN") to its errno; unknown
// names become EIO so that they still count as failures.
int errno_from_name(std::string_view name);
// The inverse, for printing; "E?" plus the number when not in the table.
std::string errno_name(int code);

class Connection {
 public:
  // Connects to a xenstored unix socket. Reads that see nothing for
  // `timeout_ms` fail with ETIMEDOUT so a hung daemon cannot hang the bench.
  static Result<Connection> open(const std::string& socket_path, int timeout_ms = 30000);

  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  int fd() const { return fd_; }

  // Pipelining: append a request to the output buffer, then flush() it.
  void queue(uint32_t type, std::string_view payload, uint32_t tx_id = 0, uint32_t req_id = 0);
  Result<void> flush();

  // Next message of any type (replies and watch events alike), blocking.
  Result<Message> receive();
  // True when a whole message is already buffered (receive() will not block).
  bool has_buffered_message() const;
  // Reads whatever the socket has now without blocking; false on EOF/error.
  Result<void> fill_nonblocking();

  // Sends one request and waits for its reply, keeping any watch events
  // that arrive first in events(). An XS_ERROR reply becomes Error{errno}.
  Result<std::string> call(uint32_t type, std::string_view payload, uint32_t tx_id = 0);

  std::deque<WatchEvent>& events() { return events_; }

  // The operations, spelled as libxenstore spells them.
  Result<std::string> read(std::string_view path, uint32_t tx_id = 0);
  Result<void> write(std::string_view path, std::string_view value, uint32_t tx_id = 0);
  Result<void> mkdir(std::string_view path, uint32_t tx_id = 0);
  Result<void> rm(std::string_view path, uint32_t tx_id = 0);
  // perms: entries such as "n0", "r5", NUL-separated on the wire.
  Result<void> set_perms(std::string_view path, const std::vector<std::string>& perms,
                         uint32_t tx_id = 0);
  Result<std::vector<std::string>> directory(std::string_view path, uint32_t tx_id = 0);
  Result<uint32_t> transaction_start();
  // Error{EAGAIN} when the daemon refuses the commit.
  Result<void> transaction_end(uint32_t tx_id, bool commit);
  Result<void> watch(std::string_view path, std::string_view token);

 private:
  explicit Connection(int fd) : fd_(fd) {}
  Result<void> fill();  // blocking read of at least one byte
  bool parse_buffered(Message& out);

  int fd_ = -1;
  std::string out_;
  std::vector<char> in_;
  size_t in_begin_ = 0;
  size_t in_end_ = 0;
  std::deque<WatchEvent> events_;
};

// Payload builders shared by the workloads that pipeline by hand.
std::string path_payload(std::string_view path);
std::string write_payload(std::string_view path, std::string_view value);
// Splits a payload of NUL-terminated strings.
std::vector<std::string> split_strings(std::string_view payload);

}  // namespace xsperf
