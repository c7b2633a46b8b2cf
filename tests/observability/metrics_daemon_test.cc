// The counters as the running daemon feeds them: starts the cxxenstored
// binary, sends requests of known types (some failing) and a watch over raw
// unix-socket clients, then reads `metrics` (the XS_CONTROL command that
// `xenstore-control metrics` sends) and checks every counter the request
// path feeds: requests by type, errors, latency count, bytes per transport,
// watch events, all charged to dom0 (socket clients are dom0).
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "cxxenstored/protocol/decoder.h"
#include "cxxenstored/protocol/wire.h"

namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;
using cxxenstored::protocol::Message;

class DaemonProcess {
 public:
  DaemonProcess() {
    dir_ = fs::temp_directory_path() / ("cxxenstored-metrics-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    pid_ = ::fork();
    if (pid_ == 0) {
      ::setenv("XENSTORED_RUNDIR", dir_.c_str(), 1);
      std::string log = (dir_ / "log").string();
      if (!std::freopen(log.c_str(), "w", stderr)) _exit(126);
      std::string binary = CXXENSTORED_BINARY;
      std::string no_fork = "-N";
      char* argv[] = {binary.data(), no_fork.data(), nullptr};
      ::execv(binary.c_str(), argv);
      _exit(127);
    }
  }
  ~DaemonProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    fs::remove_all(dir_);
  }
  std::string socket() const { return (dir_ / "socket").string(); }
  const fs::path& dir() const { return dir_; }

 private:
  fs::path dir_;
  pid_t pid_ = -1;
};

// A raw client: whole messages out, whole messages in, bytes counted.
class Client {
 public:
  explicit Client(const std::string& path) {
    for (int attempt = 0; attempt < 500 && fd_ < 0; ++attempt) {
      int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
      sockaddr_un addr{};
      addr.sun_family = AF_UNIX;
      std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
      if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) {
        fd_ = fd;
      } else {
        ::close(fd);
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    }
  }
  ~Client() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool connected() const { return fd_ >= 0; }

  void send(std::uint32_t type, const std::string& payload) {
    Message m;
    m.header.type = type;
    m.header.req_id = ++req_id_;
    m.payload = payload;
    const std::string bytes = cxxenstored::protocol::encode(m);
    ASSERT_EQ(::write(fd_, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    sent_bytes_ += bytes.size();
  }
  // Blocks (5 s at most) for the next message.
  Message receive() {
    for (;;) {
      if (auto m = decoder_.next()) return *m;
      timeval tv{5, 0};
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
      char buf[8192];
      ssize_t n = ::read(fd_, buf, sizeof buf);
      if (n <= 0) return Message{};
      received_bytes_ += static_cast<std::size_t>(n);
      decoder_.feed(std::string_view(buf, static_cast<std::size_t>(n)));
    }
  }
  Message request(std::uint32_t type, const std::string& payload) {
    send(type, payload);
    return receive();
  }
  std::size_t sent_bytes() const { return sent_bytes_; }
  std::size_t received_bytes() const { return received_bytes_; }

 private:
  int fd_ = -1;
  std::uint32_t req_id_ = 0;
  std::size_t sent_bytes_ = 0;
  std::size_t received_bytes_ = 0;
  cxxenstored::protocol::Decoder decoder_;
};

// "name{labels} value" lines of a Prometheus text body.
std::map<std::string, double> parse_series(const std::string& text) {
  std::map<std::string, double> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    while (!line.empty() && line.back() == '\0') line.pop_back();  // the reply's terminator
    if (line.empty() || line[0] == '#') continue;
    const auto space = line.rfind(' ');
    out[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return out;
}

TEST(MetricsFromTheRequestPath, CountersMatchWhatClientsDid) {
  DaemonProcess daemon;
  Client watcher(daemon.socket());
  Client writer(daemon.socket());
  ASSERT_TRUE(watcher.connected() && writer.connected());

  ASSERT_EQ(watcher.request(XS_WATCH, "/w\0tok\0"s).payload, "OK\0"s);
  ASSERT_EQ(watcher.receive().type(), static_cast<std::uint32_t>(XS_WATCH_EVENT));  // the first event
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(writer.request(XS_WRITE, "/w/n" + std::to_string(i) + '\0' + "v").payload, "OK\0"s);
  for (int i = 0; i < 5; ++i) ASSERT_EQ(writer.request(XS_READ, "/w/n0\0"s).payload, "v");
  for (int i = 0; i < 3; ++i)
    ASSERT_EQ(writer.request(XS_READ, "/missing" + std::to_string(i) + '\0').payload, "ENOENT\0"s);
  for (int i = 0; i < 2; ++i) ASSERT_EQ(writer.request(XS_DIRECTORY, "/w\0"s).type(), static_cast<std::uint32_t>(XS_DIRECTORY));
  for (int i = 0; i < 10; ++i)
    ASSERT_EQ(watcher.receive().type(), static_cast<std::uint32_t>(XS_WATCH_EVENT));

  Client reader(daemon.socket());
  const Message reply = reader.request(XS_CONTROL, "metrics\0"s);
  ASSERT_EQ(reply.type(), static_cast<std::uint32_t>(XS_CONTROL)) << reply.payload;
  auto series = parse_series(reply.payload);
  EXPECT_EQ(series["xenstored_requests_total{type=\"WATCH\"}"], 1);
  EXPECT_EQ(series["xenstored_requests_total{type=\"WRITE\"}"], 10);
  EXPECT_EQ(series["xenstored_requests_total{type=\"READ\"}"], 8);
  EXPECT_EQ(series["xenstored_requests_total{type=\"DIRECTORY\"}"], 2);
  EXPECT_EQ(series.count("xenstored_requests_total{type=\"DEBUG\"}"), 0u)
      << "a request is counted once answered (XS_CONTROL is type 0, \"DEBUG\")";
  EXPECT_EQ(series["xenstored_request_errors_total"], 3);
  EXPECT_EQ(series["xenstored_request_duration_seconds_count"], 21);
  EXPECT_GT(series["xenstored_request_duration_seconds_sum"], 0);
  EXPECT_EQ(series["xenstored_watch_events_total{outcome=\"sent\"}"], 11);
  EXPECT_EQ(series.count("xenstored_watch_events_total{outcome=\"dropped\"}"), 0u);
  // Everything the clients wrote, the metrics request included (it was
  // read before it ran); everything they read before it.
  EXPECT_EQ(series["xenstored_received_bytes_total{transport=\"socket\"}"],
            static_cast<double>(watcher.sent_bytes() + writer.sent_bytes() + reader.sent_bytes()));
  EXPECT_EQ(series["xenstored_sent_bytes_total{transport=\"socket\"}"],
            static_cast<double>(watcher.received_bytes() + writer.received_bytes()));
  EXPECT_EQ(series.count("xenstored_sent_bytes_total{transport=\"ring\"}"), 0u);

  // Per domain (the file form): all of it charged to dom0.
  const std::string file = (daemon.dir() / "metrics.prom").string();
  ASSERT_EQ(reader.request(XS_CONTROL, "metrics\0"s + file + '\0').payload, "OK\0"s);
  std::ifstream in(file);
  std::stringstream text;
  text << in.rdbuf();
  auto per_domain = parse_series(text.str());
  EXPECT_EQ(per_domain["xenstored_requests_total{domid=\"0\",type=\"WRITE\"}"], 10);
  EXPECT_EQ(per_domain["xenstored_requests_total{domid=\"0\",type=\"DEBUG\"}"], 1);
  EXPECT_EQ(per_domain["xenstored_request_errors_total{domid=\"0\",type=\"READ\"}"], 3);
  EXPECT_EQ(per_domain["xenstored_watch_events_total{domid=\"0\",outcome=\"sent\"}"], 11);
  for (const auto& [name, value] : per_domain) {
    if (name.find("domid=") != std::string::npos) {
      EXPECT_NE(name.find("domid=\"0\""), std::string::npos) << name << " not charged to dom0";
    }
  }
}

}  // namespace
