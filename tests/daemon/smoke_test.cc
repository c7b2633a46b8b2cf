// Starts the cxxenstored binary and uses it like a host would: Debian's
// xenstore-* tools over $XENSTORED_PATH, raw clients, SIGTERM, the trace
// file, systemd readiness and socket activation.
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

#include "cxxenstored/protocol/decoder.h"
#include "cxxenstored/protocol/wire.h"

namespace {

namespace fs = std::filesystem;
using namespace std::string_literals;

std::string run(const std::string& command) {
  std::string out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return out;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) out.append(buf, n);
  pclose(pipe);
  return out;
}

int connect_unix(const std::string& path) {
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    close(fd);
    return -1;
  }
  return fd;
}

class Daemon {
 public:
  // extra: arguments; setup: runs in the child before exec.
  explicit Daemon(std::vector<std::string> extra = {"-N"}, std::function<void()> setup = {}) {
    dir_ = fs::temp_directory_path() / ("cxxenstored-smoke-" + std::to_string(getpid()) + "-" +
                                        std::to_string(counter_++));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    pid_ = fork();
    if (pid_ == 0) {
      setenv("XENSTORED_RUNDIR", dir_.c_str(), 1);
      if (setup) setup();
      std::string log = (dir_ / "log").string();
      freopen(log.c_str(), "w", stderr);
      std::vector<char*> argv;
      std::string binary = CXXENSTORED_BINARY;
      argv.push_back(binary.data());
      for (auto& a : extra) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
  }
  ~Daemon() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    fs::remove_all(dir_);
  }
  bool wait_ready() const {
    for (int i = 0; i < 200; ++i) {
      int fd = connect_unix(socket());
      if (fd >= 0) {
        close(fd);
        return true;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  int terminate() {
    kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    reaped_ = true;
    return status;
  }
  std::string socket() const { return (dir_ / "socket").string(); }
  std::string tool(const std::string& args) const {
    return run("export XENSTORED_PATH=" + socket() + "; " + args + " 2>&1");
  }
  const fs::path& dir() const { return dir_; }
  pid_t pid() const { return pid_; }

 private:
  static inline int counter_ = 0;
  fs::path dir_;
  pid_t pid_ = -1;
  bool reaped_ = false;
};

TEST(Smoke, XenstoreToolsWork) {
  Daemon d;
  ASSERT_TRUE(d.wait_ready());
  EXPECT_EQ(d.tool("xenstore-ls /"), "tool = \"\"\n xenstored = \"\"\n");
  EXPECT_EQ(d.tool("xenstore-write /vm/1/name guest1 /vm/1/memory 512"), "");
  EXPECT_EQ(d.tool("xenstore-read /vm/1/name"), "guest1\n");
  EXPECT_EQ(d.tool("xenstore-list /vm/1"), "name\nmemory\n");
  EXPECT_EQ(d.tool("xenstore-chmod /vm/1 n0 r5"), "");
  std::string listing = d.tool("xenstore-ls -p /vm");
  EXPECT_NE(listing.find("1 = \"\""), std::string::npos) << listing;
  EXPECT_NE(listing.find("(n0,r5)\n name = \"guest1\""), std::string::npos) << listing;
  EXPECT_NE(listing.find("memory = \"512\""), std::string::npos) << listing;
  EXPECT_EQ(d.tool("xenstore-exists /vm/1/name; echo $?"), "0\n");
  EXPECT_EQ(d.tool("xenstore-rm /vm/1"), "");
  EXPECT_EQ(d.tool("xenstore-exists /vm/1; echo $?"), "1\n");
  EXPECT_EQ(d.tool("xenstore-read /vm/1/name >/dev/null; echo $?"), "1\n");
  EXPECT_EQ(d.terminate(), 0);
  EXPECT_FALSE(fs::exists(d.socket()));
}

TEST(Smoke, WatchToolSeesWrites) {
  Daemon d;
  ASSERT_TRUE(d.wait_ready());
  // xenstore-watch -n 3: the initial event plus two writes.
  std::string cmd = "XENSTORED_PATH=" + d.socket() + " timeout 10 xenstore-watch -n 3 /w";
  FILE* watcher = popen(cmd.c_str(), "r");
  ASSERT_NE(watcher, nullptr);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  d.tool("xenstore-write /w/a 1");
  d.tool("xenstore-write /w/b 2");
  std::string out;
  char buf[256];
  while (fgets(buf, sizeof buf, watcher)) out += buf;
  pclose(watcher);
  EXPECT_EQ(out, "/w\n/w/a\n/w/b\n");
}

TEST(Smoke, ManyPipelinedRequestsOverOneSocket) {
  Daemon d;
  ASSERT_TRUE(d.wait_ready());
  int fd = connect_unix(d.socket());
  ASSERT_GE(fd, 0);
  std::string burst;
  for (std::uint32_t i = 0; i < 1000; ++i) {
    cxxenstored::protocol::Message m;
    m.header.type = XS_WRITE;
    m.header.req_id = i;
    m.payload = "/p/" + std::to_string(i % 10) + "\0"s + std::string(100, 'v');
    burst += cxxenstored::protocol::encode(m);
  }
  ASSERT_EQ(write(fd, burst.data(), burst.size()), static_cast<ssize_t>(burst.size()));
  cxxenstored::protocol::Decoder decoder;
  std::uint32_t expected = 0;
  char buf[8192];
  while (expected < 1000) {
    ssize_t n = read(fd, buf, sizeof buf);
    ASSERT_GT(n, 0);
    decoder.feed(std::string_view(buf, static_cast<std::size_t>(n)));
    while (auto m = decoder.next()) {
      EXPECT_EQ(m->header.req_id, expected);
      EXPECT_EQ(m->payload, "OK\0"s);
      ++expected;
    }
  }
  // An oversized header gets the client dropped; the daemon carries on.
  xsd_sockmsg bad{XS_READ, 1, 0, 5000};
  ASSERT_EQ(write(fd, &bad, sizeof bad), static_cast<ssize_t>(sizeof bad));
  EXPECT_EQ(read(fd, buf, sizeof buf), 0);
  close(fd);
  EXPECT_EQ(d.tool("xenstore-read /p/3"), std::string(100, 'v') + "\n");
}

TEST(Smoke, AClientThatNeverReadsBlocksNobody) {
  Daemon d;
  ASSERT_TRUE(d.wait_ready());
  EXPECT_EQ(d.tool("xenstore-write /big " + std::string(3000, 'x')), "");
  int hog = connect_unix(d.socket());
  ASSERT_GE(hog, 0);
  // Ask for ~30 MB of replies and never read them.
  std::string burst;
  for (std::uint32_t i = 0; i < 10000; ++i) {
    cxxenstored::protocol::Message m;
    m.header.type = XS_READ;
    m.header.req_id = i;
    m.payload = "/big\0"s;
    burst += cxxenstored::protocol::encode(m);
  }
  std::thread writer([&] {
    // Blocks once the daemon stops reading this client; that is the point.
    std::size_t off = 0;
    while (off < burst.size()) {
      ssize_t n = write(hog, burst.data() + off, burst.size() - off);
      if (n <= 0) break;
      off += static_cast<std::size_t>(n);
    }
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(d.tool("xenstore-write /other 1 && xenstore-read /other"), "1\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  shutdown(hog, SHUT_RDWR);
  close(hog);
  writer.join();
  EXPECT_EQ(d.tool("xenstore-read /other"), "1\n");
}

TEST(Smoke, TraceFileInTheCDaemonsFormat) {
  Daemon d({"-N", "-T", (fs::temp_directory_path() / ("smoke-trace-" + std::to_string(getpid()))).string()});
  ASSERT_TRUE(d.wait_ready());
  d.tool("xenstore-write /t v");
  EXPECT_EQ(d.terminate(), 0);
  std::ifstream in(fs::temp_directory_path() / ("smoke-trace-" + std::to_string(getpid())));
  std::stringstream text;
  text << in.rdbuf();
  fs::remove(fs::temp_directory_path() / ("smoke-trace-" + std::to_string(getpid())));
  std::string t = text.str();
  EXPECT_EQ(t.substr(0, 5), "\n***\n");
  EXPECT_NE(t.find("CREATE connection 0x"), std::string::npos);
  EXPECT_NE(t.find(" WRITE (/t v)\n"), std::string::npos) << t;
  EXPECT_NE(t.find(" WRITE (OK )\n"), std::string::npos) << t;
  EXPECT_NE(t.find("OUT 0x"), std::string::npos);
  EXPECT_NE(t.find("DESTROY connection 0x"), std::string::npos);
}

TEST(Smoke, NotifiesSystemdWhenListening) {
  std::string notify = (fs::temp_directory_path() / ("smoke-notify-" + std::to_string(getpid()))).string();
  fs::remove(notify);
  int sock = socket(AF_UNIX, SOCK_DGRAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, notify.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  Daemon d({"-N"}, [notify] { setenv("NOTIFY_SOCKET", notify.c_str(), 1); });
  timeval tv{10, 0};
  setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  char buf[256] = {};
  ssize_t n = recv(sock, buf, sizeof buf - 1, 0);
  ASSERT_GT(n, 0);
  EXPECT_STREQ(buf, "READY=1");
  // Ready means the socket accepts.
  int fd = connect_unix(d.socket());
  EXPECT_GE(fd, 0);
  if (fd >= 0) close(fd);
  close(sock);
  fs::remove(notify);
}

TEST(Smoke, ServesASocketPassedBySystemd) {
  std::string path = (fs::temp_directory_path() / ("smoke-activated-" + std::to_string(getpid()))).string();
  fs::remove(path);
  int listener = socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 16), 0);
  Daemon d({"-N"}, [listener] {
    dup2(listener, 3);
    setenv("LISTEN_FDS", "1", 1);
    setenv("LISTEN_PID", std::to_string(getpid()).c_str(), 1);
  });
  close(listener);
  std::string out;
  for (int i = 0; i < 100 && out != "v\n"; ++i) {
    run("XENSTORED_PATH=" + path + " xenstore-write /activated v 2>/dev/null");
    out = run("XENSTORED_PATH=" + path + " xenstore-read /activated 2>/dev/null");
    if (out != "v\n") std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(out, "v\n");
  // It did not bind its own socket.
  EXPECT_FALSE(fs::exists(d.socket()));
  EXPECT_EQ(d.terminate(), 0);
  fs::remove(path);
}

TEST(Smoke, DaemonizesAndWritesPidFile) {
  std::string pid_file = (fs::temp_directory_path() / ("smoke-pid-" + std::to_string(getpid()))).string();
  fs::remove(pid_file);
  Daemon d({"-F", pid_file});
  ASSERT_TRUE(d.wait_ready());
  // The launched process exits once the daemon is detached.
  int status = 0;
  waitpid(d.pid(), &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  std::ifstream in(pid_file);
  pid_t daemon_pid = 0;
  in >> daemon_pid;
  ASSERT_GT(daemon_pid, 0);
  EXPECT_NE(daemon_pid, d.pid());
  EXPECT_EQ(d.tool("xenstore-write /bg 1 && xenstore-read /bg"), "1\n");
  kill(daemon_pid, SIGTERM);
  for (int i = 0; i < 100 && kill(daemon_pid, 0) == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_NE(kill(daemon_pid, 0), 0);
  fs::remove(pid_file);
}

TEST(Smoke, HelpAndBadOptions) {
  std::string help = run(std::string(CXXENSTORED_BINARY) + " --help; echo status=$?");
  EXPECT_NE(help.find("--no-fork"), std::string::npos);
  EXPECT_NE(help.find("status=0"), std::string::npos);
  std::string bad = run(std::string(CXXENSTORED_BINARY) + " --bogus 2>&1; echo status=$?");
  EXPECT_NE(bad.find("status=1"), std::string::npos);
}

}  // namespace
