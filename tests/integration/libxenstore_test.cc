// Debian's libxenstore (the library every toolstack links) against a freshly
// started daemon: the xs_* calls and the errno values they report.
#include <gtest/gtest.h>
#include <poll.h>
// xenstore.h declares C functions without extern "C" guards.
extern "C" {
#include <xenstore.h>
}

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/daemon_test.h"

namespace cxxenstored::integration {
namespace {

using namespace std::chrono_literals;

struct HandleCloser {
  void operator()(xs_handle* h) const { xs_close(h); }
};
using Handle = std::unique_ptr<xs_handle, HandleCloser>;

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};
template <typename T>
using Malloced = std::unique_ptr<T, FreeDeleter>;

struct WatchEvent {
  std::string path;
  std::string token;
  bool operator==(const WatchEvent&) const = default;
};

std::ostream& operator<<(std::ostream& os, const WatchEvent& e) {
  return os << "{" << e.path << ", " << e.token << "}";
}

class LibxenstoreTest : public DaemonTest {
 protected:
  void SetUp() override {
    DaemonTest::SetUp();
    if (HasFatalFailure()) return;
    xs_ = open();
    ASSERT_NE(xs_, nullptr);
  }
  void TearDown() override {
    xs_.reset();
    DaemonTest::TearDown();
  }

  static Handle open(unsigned long flags = 0) { return Handle(xs_open(flags)); }
  xs_handle* xs() { return xs_.get(); }

  // xs_read as a value; std::nullopt with errno set on failure.
  static std::optional<std::string> read(xs_handle* h, const std::string& path,
                                         xs_transaction_t t = XBT_NULL) {
    unsigned int len = 0;
    Malloced<char> value(static_cast<char*>(xs_read(h, t, path.c_str(), &len)));
    if (!value) return std::nullopt;
    return std::string(value.get(), len);
  }
  std::optional<std::string> read(const std::string& path) { return read(xs(), path); }

  static bool write(xs_handle* h, const std::string& path, const std::string& value,
                    xs_transaction_t t = XBT_NULL) {
    return xs_write(h, t, path.c_str(), value.data(), static_cast<unsigned int>(value.size()));
  }
  bool write(const std::string& path, const std::string& value) {
    return write(xs(), path, value);
  }

  std::optional<std::vector<std::string>> directory(const std::string& path,
                                                    xs_transaction_t t = XBT_NULL) {
    unsigned int num = 0;
    Malloced<char*> entries(xs_directory(xs(), t, path.c_str(), &num));
    if (!entries) return std::nullopt;
    return std::vector<std::string>(entries.get(), entries.get() + num);
  }

  std::optional<std::vector<xs_permissions>> permissions(const std::string& path) {
    unsigned int num = 0;
    Malloced<xs_permissions> perms(xs_get_permissions(xs(), XBT_NULL, path.c_str(), &num));
    if (!perms) return std::nullopt;
    return std::vector<xs_permissions>(perms.get(), perms.get() + num);
  }

  // The next watch event on `h`, waiting at most `timeout`.
  static std::optional<WatchEvent> next_event(xs_handle* h, std::chrono::milliseconds timeout = 10s) {
    pollfd pfd{xs_fileno(h), POLLIN, 0};
    if (poll(&pfd, 1, static_cast<int>(timeout.count())) != 1) return std::nullopt;
    unsigned int num = 0;
    Malloced<char*> event(xs_read_watch(h, &num));
    if (!event || num < 2) return std::nullopt;
    return WatchEvent{event.get()[XS_WATCH_PATH], event.get()[XS_WATCH_TOKEN]};
  }
  std::optional<WatchEvent> next_event() { return next_event(xs()); }

  // Events reach a connection in the order the daemon generated them, so a
  // write to a watched sentinel node proves that no event for anything done
  // before it is still on its way: the next event must be the sentinel's.
  void expect_no_pending_event(const std::string& why) {
    ASSERT_TRUE(xs_watch(xs(), "/sentinel", "sentinel"));
    EXPECT_EQ(next_event(), (WatchEvent{"/sentinel", "sentinel"})) << why;
    ASSERT_TRUE(write("/sentinel", "x"));
    EXPECT_EQ(next_event(), (WatchEvent{"/sentinel", "sentinel"})) << why;
    ASSERT_TRUE(xs_unwatch(xs(), "/sentinel", "sentinel"));
  }

 private:
  Handle xs_;
};

TEST_F(LibxenstoreTest, OpenReadOnlyUsesTheSameSocket) {
  Handle ro = open(XS_OPEN_READONLY);
  ASSERT_NE(ro, nullptr);
  ASSERT_TRUE(write("/ro", "v"));
  EXPECT_EQ(read(ro.get(), "/ro"), "v");
}

TEST_F(LibxenstoreTest, RootAndInitialNodesReadEmpty) {
  EXPECT_EQ(read("/"), "");
  EXPECT_EQ(read("/tool"), "");
  EXPECT_EQ(read("/tool/xenstored"), "");
}

TEST_F(LibxenstoreTest, WriteReadRoundTripsBinaryValues) {
  const std::string value("a\0b\0c\xff", 6);
  ASSERT_TRUE(write("/bin", value));
  EXPECT_EQ(read("/bin"), value);
  ASSERT_TRUE(write("/bin", ""));
  EXPECT_EQ(read("/bin"), "");
  const std::string big(3000, 'b');
  ASSERT_TRUE(write("/big", big));
  EXPECT_EQ(read("/big"), big);
}

TEST_F(LibxenstoreTest, ErrorsCarryTheCDaemonsErrno) {
  errno = 0;
  EXPECT_EQ(read("/nonexist"), std::nullopt);
  EXPECT_EQ(errno, ENOENT);
  errno = 0;
  EXPECT_FALSE(write("/o/", "x"));
  EXPECT_EQ(errno, EINVAL);
  errno = 0;
  EXPECT_FALSE(write("/bad path", "x"));
  EXPECT_EQ(errno, EINVAL);
  errno = 0;
  EXPECT_EQ(directory("/nonexist"), std::nullopt);
  EXPECT_EQ(errno, ENOENT);
  errno = 0;
  EXPECT_EQ(permissions("/nonexist"), std::nullopt);
  EXPECT_EQ(errno, ENOENT);
  errno = 0;
  EXPECT_FALSE(xs_rm(xs(), XBT_NULL, "/"));
  EXPECT_EQ(errno, EINVAL);
}

TEST_F(LibxenstoreTest, MkdirCreatesAnEmptyNodeAndIsIdempotent) {
  ASSERT_TRUE(xs_mkdir(xs(), XBT_NULL, "/m/n"));
  EXPECT_EQ(read("/m"), "");
  EXPECT_EQ(read("/m/n"), "");
  ASSERT_TRUE(write("/m/n", "kept"));
  EXPECT_TRUE(xs_mkdir(xs(), XBT_NULL, "/m/n"));
  EXPECT_EQ(read("/m/n"), "kept");
}

TEST_F(LibxenstoreTest, RmRemovesSubtreeAndToleratesMissingLeaf) {
  ASSERT_TRUE(write("/r/s/t", "1"));
  ASSERT_TRUE(write("/r/u", "2"));
  ASSERT_TRUE(xs_rm(xs(), XBT_NULL, "/r/s"));
  EXPECT_EQ(directory("/r"), std::vector<std::string>{"u"});
  errno = 0;
  EXPECT_EQ(read("/r/s/t"), std::nullopt);
  EXPECT_EQ(errno, ENOENT);
  EXPECT_TRUE(xs_rm(xs(), XBT_NULL, "/r/missing"));
  errno = 0;
  EXPECT_FALSE(xs_rm(xs(), XBT_NULL, "/nope/missing"));
  EXPECT_EQ(errno, ENOENT);
}

TEST_F(LibxenstoreTest, DirectoryListsChildrenInCreationOrder) {
  ASSERT_TRUE(write("/d/zeta", ""));
  ASSERT_TRUE(write("/d/alpha", ""));
  ASSERT_TRUE(write("/d/mid/deeper", ""));
  EXPECT_EQ(directory("/d"), (std::vector<std::string>{"zeta", "alpha", "mid"}));
  EXPECT_EQ(directory("/d/zeta"), std::vector<std::string>{});
  EXPECT_EQ(directory("/"), (std::vector<std::string>{"tool", "d"}));
}

// A listing longer than one 4096-byte message: libxenstore falls back to
// XS_DIRECTORY_PART and stitches the parts together.
TEST_F(LibxenstoreTest, DirectoryLargerThanOneMessage) {
  std::vector<std::string> expected;
  for (int i = 0; i < 400; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "child-with-a-rather-long-name-%04d", i);
    expected.emplace_back(name);
    ASSERT_TRUE(write("/many/" + expected.back(), ""));
  }
  EXPECT_EQ(directory("/many"), expected);
}

TEST_F(LibxenstoreTest, PermissionsRoundTrip) {
  auto root = permissions("/");
  ASSERT_TRUE(root);
  ASSERT_EQ(root->size(), 1u);
  EXPECT_EQ((*root)[0].id, 0u);
  EXPECT_EQ((*root)[0].perms, XS_PERM_NONE);

  ASSERT_TRUE(write("/p", "v"));
  xs_permissions set[3] = {{5, XS_PERM_READ}, {3, XS_PERM_READ | XS_PERM_WRITE}, {7, XS_PERM_WRITE}};
  ASSERT_TRUE(xs_set_permissions(xs(), XBT_NULL, "/p", set, 3));
  auto got = permissions("/p");
  ASSERT_TRUE(got);
  ASSERT_EQ(got->size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ((*got)[i].id, set[i].id) << i;
    EXPECT_EQ((*got)[i].perms, set[i].perms) << i;
  }
  // Children created later inherit the parent's permissions.
  ASSERT_TRUE(write("/p/child", "c"));
  auto child = permissions("/p/child");
  ASSERT_TRUE(child);
  ASSERT_EQ(child->size(), 3u);
  EXPECT_EQ((*child)[0].id, 5u);

  errno = 0;
  EXPECT_FALSE(xs_set_permissions(xs(), XBT_NULL, "/nonexist", set, 1));
  EXPECT_EQ(errno, ENOENT);
}

TEST_F(LibxenstoreTest, DomainPathsAndIntroducedDom0) {
  Malloced<char> dom0(xs_get_domain_path(xs(), 0));
  ASSERT_TRUE(dom0);
  EXPECT_STREQ(dom0.get(), "/local/domain/0");
  Malloced<char> dom7(xs_get_domain_path(xs(), 7));
  ASSERT_TRUE(dom7);
  EXPECT_STREQ(dom7.get(), "/local/domain/7");
  EXPECT_TRUE(xs_is_domain_introduced(xs(), 0));
  EXPECT_FALSE(xs_is_domain_introduced(xs(), 5));
}

TEST_F(LibxenstoreTest, TransactionIsInvisibleUntilCommit) {
  ASSERT_TRUE(write("/tx/base", "0"));
  Handle other = open();
  ASSERT_NE(other, nullptr);
  const xs_transaction_t t = xs_transaction_start(xs());
  ASSERT_NE(t, XBT_NULL);
  ASSERT_TRUE(write(xs(), "/tx/new", "1", t));
  ASSERT_TRUE(xs_rm(xs(), t, "/tx/base"));
  EXPECT_EQ(read(xs(), "/tx/new", t), "1");
  EXPECT_EQ(read(other.get(), "/tx/new"), std::nullopt);
  EXPECT_EQ(read(other.get(), "/tx/base"), "0");
  ASSERT_TRUE(xs_transaction_end(xs(), t, false));
  EXPECT_EQ(read(other.get(), "/tx/new"), "1");
  EXPECT_EQ(read(other.get(), "/tx/base"), std::nullopt);
}

TEST_F(LibxenstoreTest, AbortedTransactionLeavesNoTrace) {
  const xs_transaction_t t = xs_transaction_start(xs());
  ASSERT_NE(t, XBT_NULL);
  ASSERT_TRUE(write(xs(), "/aborted", "1", t));
  ASSERT_TRUE(xs_transaction_end(xs(), t, true));
  EXPECT_EQ(read("/aborted"), std::nullopt);
  // The id is gone once ended.
  errno = 0;
  EXPECT_FALSE(xs_transaction_end(xs(), t, false));
  EXPECT_EQ(errno, ENOENT);
  errno = 0;
  EXPECT_EQ(read(xs(), "/", t), std::nullopt);
  EXPECT_EQ(errno, ENOENT);
}

TEST_F(LibxenstoreTest, ConflictingCommitFailsWithEagain) {
  ASSERT_TRUE(write("/c/x", "0"));
  Handle other = open();
  ASSERT_NE(other, nullptr);
  const xs_transaction_t t = xs_transaction_start(xs());
  ASSERT_NE(t, XBT_NULL);
  EXPECT_EQ(read(xs(), "/c/x", t), "0");
  ASSERT_TRUE(write(other.get(), "/c/x", "changed"));
  ASSERT_TRUE(write(xs(), "/c/y", "derived from 0", t));
  errno = 0;
  EXPECT_FALSE(xs_transaction_end(xs(), t, false));
  EXPECT_EQ(errno, EAGAIN);
  EXPECT_EQ(read("/c/y"), std::nullopt);
  EXPECT_EQ(read("/c/x"), "changed");
}

// The toolstack's pattern: read-modify-write in a transaction, retried while
// xs_transaction_end fails with EAGAIN, from several threads with their own
// connections. No increment may be lost.
TEST_F(LibxenstoreTest, ConcurrentIncrementsWithEagainRetries) {
  constexpr int kThreads = 4;
  constexpr int kIncrements = 40;
  ASSERT_TRUE(write("/counter", "0"));
  std::atomic<int> retries{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      Handle h = open();
      if (!h) {
        ++failures;
        return;
      }
      for (int n = 0; n < kIncrements; ++n) {
        for (;;) {
          const xs_transaction_t t = xs_transaction_start(h.get());
          if (t == XBT_NULL) {
            ++failures;
            return;
          }
          const auto value = read(h.get(), "/counter", t);
          if (!value || !write(h.get(), "/counter", std::to_string(std::stoi(*value) + 1), t)) {
            ++failures;
            xs_transaction_end(h.get(), t, true);
            return;
          }
          if (xs_transaction_end(h.get(), t, false)) break;
          if (errno != EAGAIN) {
            ++failures;
            return;
          }
          ++retries;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(read("/counter"), std::to_string(kThreads * kIncrements));
  std::cout << "EAGAIN retries: " << retries.load() << "\n";
}

TEST_F(LibxenstoreTest, WatchFiresOnRegistrationAndOnChanges) {
  ASSERT_TRUE(write("/w/x", "1"));
  ASSERT_TRUE(xs_watch(xs(), "/w", "tok"));
  EXPECT_EQ(next_event(), (WatchEvent{"/w", "tok"}));
  ASSERT_TRUE(write("/w/x", "2"));
  EXPECT_EQ(next_event(), (WatchEvent{"/w/x", "tok"}));
  ASSERT_TRUE(write("/w/y/z", "3"));
  EXPECT_EQ(next_event(), (WatchEvent{"/w/y/z", "tok"}));
  xs_permissions perms[1] = {{0, XS_PERM_READ}};
  ASSERT_TRUE(xs_set_permissions(xs(), XBT_NULL, "/w", perms, 1));
  EXPECT_EQ(next_event(), (WatchEvent{"/w", "tok"}));
  ASSERT_TRUE(write("/unwatched", "3"));
  expect_no_pending_event("a write outside /w fired its watch");
}

TEST_F(LibxenstoreTest, RemovalFiresWatchesAboveAndBelow) {
  ASSERT_TRUE(write("/a/b/c/d", "1"));
  ASSERT_TRUE(xs_watch(xs(), "/a/b/c", "below"));
  EXPECT_EQ(next_event(), (WatchEvent{"/a/b/c", "below"}));
  ASSERT_TRUE(xs_watch(xs(), "/a", "above"));
  EXPECT_EQ(next_event(), (WatchEvent{"/a", "above"}));
  ASSERT_TRUE(xs_rm(xs(), XBT_NULL, "/a/b"));
  EXPECT_EQ(next_event(), (WatchEvent{"/a/b/c", "below"}));
  EXPECT_EQ(next_event(), (WatchEvent{"/a/b", "above"}));
  ASSERT_TRUE(write("/a/b/c", "x"));
  EXPECT_EQ(next_event(), (WatchEvent{"/a/b/c", "below"}));
  EXPECT_EQ(next_event(), (WatchEvent{"/a/b/c", "above"}));
}

TEST_F(LibxenstoreTest, WatchErrors) {
  ASSERT_TRUE(xs_watch(xs(), "/dup", "t"));
  EXPECT_EQ(next_event(), (WatchEvent{"/dup", "t"}));
  errno = 0;
  EXPECT_FALSE(xs_watch(xs(), "/dup", "t"));
  EXPECT_EQ(errno, EEXIST);
  errno = 0;
  EXPECT_FALSE(xs_unwatch(xs(), "/never", "t"));
  EXPECT_EQ(errno, ENOENT);
  errno = 0;
  EXPECT_FALSE(xs_watch(xs(), "bad path", "t"));
  EXPECT_EQ(errno, EINVAL);
}

TEST_F(LibxenstoreTest, RelativeWatchReportsRelativePaths) {
  ASSERT_TRUE(xs_watch(xs(), "rel", "t"));
  EXPECT_EQ(next_event(), (WatchEvent{"rel", "t"}));
  ASSERT_TRUE(write("/local/domain/0/rel", "1"));
  EXPECT_EQ(next_event(), (WatchEvent{"rel", "t"}));
}

TEST_F(LibxenstoreTest, SpecialWatchesFireOnRegistration) {
  ASSERT_TRUE(xs_watch(xs(), "@introduceDomain", "intro"));
  EXPECT_EQ(next_event(), (WatchEvent{"@introduceDomain", "intro"}));
  ASSERT_TRUE(xs_watch(xs(), "@releaseDomain", "release"));
  EXPECT_EQ(next_event(), (WatchEvent{"@releaseDomain", "release"}));
  ASSERT_TRUE(write("/plain", "1"));
  expect_no_pending_event("a node write fired a special watch");
}

TEST_F(LibxenstoreTest, UnwatchStopsEvents) {
  ASSERT_TRUE(xs_watch(xs(), "/u", "tok"));
  EXPECT_EQ(next_event(), (WatchEvent{"/u", "tok"}));
  ASSERT_TRUE(xs_unwatch(xs(), "/u", "tok"));
  ASSERT_TRUE(write("/u/x", "1"));
  expect_no_pending_event("event after xs_unwatch");
}

TEST_F(LibxenstoreTest, TransactionEventsFireOnlyAtCommit) {
  // Both nodes exist first, so that the sentinel write below does not add a
  // child to "/" while the transaction adds one too: that would conflict.
  ASSERT_TRUE(write("/txw", ""));
  ASSERT_TRUE(write("/sentinel", ""));
  ASSERT_TRUE(xs_watch(xs(), "/txw", "tok"));
  EXPECT_EQ(next_event(), (WatchEvent{"/txw", "tok"}));
  const xs_transaction_t t = xs_transaction_start(xs());
  ASSERT_NE(t, XBT_NULL);
  ASSERT_TRUE(write(xs(), "/txw/a", "1", t));
  ASSERT_TRUE(write(xs(), "/txw/b", "2", t));
  expect_no_pending_event("event for an uncommitted transaction");
  ASSERT_TRUE(xs_transaction_end(xs(), t, false));
  EXPECT_EQ(next_event(), (WatchEvent{"/txw/a", "tok"}));
  EXPECT_EQ(next_event(), (WatchEvent{"/txw/b", "tok"}));

  const xs_transaction_t aborted = xs_transaction_start(xs());
  ASSERT_NE(aborted, XBT_NULL);
  ASSERT_TRUE(write(xs(), "/txw/c", "3", aborted));
  ASSERT_TRUE(xs_transaction_end(xs(), aborted, true));
  expect_no_pending_event("event for an aborted transaction");
}

TEST_F(LibxenstoreTest, EventsReachEveryWatchingConnection) {
  Handle second = open();
  ASSERT_NE(second, nullptr);
  ASSERT_TRUE(xs_watch(xs(), "/shared", "first"));
  EXPECT_EQ(next_event(), (WatchEvent{"/shared", "first"}));
  ASSERT_TRUE(xs_watch(second.get(), "/shared/x", "second"));
  EXPECT_EQ(next_event(second.get()), (WatchEvent{"/shared/x", "second"}));
  ASSERT_TRUE(write("/shared/x", "1"));
  EXPECT_EQ(next_event(), (WatchEvent{"/shared/x", "first"}));
  EXPECT_EQ(next_event(second.get()), (WatchEvent{"/shared/x", "second"}));
}

}  // namespace
}  // namespace cxxenstored::integration
