// Debian's xenstore-* command line tools (xenstore-utils, and xenstore-control
// from xen-utils-4.17) against a freshly started daemon: exact stdout, stderr
// and exit status, as an operator's shell scripts see them.
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/daemon_test.h"

#ifndef XENSTORE_TOOLS_DIR
#define XENSTORE_TOOLS_DIR "/usr/bin"
#endif
#ifndef XEN_UTILS_DIR
#define XEN_UTILS_DIR ""
#endif

namespace cxxenstored::integration {
namespace {

using namespace std::chrono_literals;

struct Expected {
  int code;
  std::string out;
  std::string err = "";
};

class ToolsTest : public DaemonTest {
 protected:
  // Runs xenstore-<tool> and checks its exit status, stdout and stderr.
  void expect(const std::vector<std::string>& args, const Expected& expected) {
    std::vector<std::string> argv = args;
    argv[0] = tool_path(argv[0]);
    const Completed got = client(argv);
    std::string command;
    for (const auto& a : args) command += a + " ";
    ASSERT_FALSE(got.timed_out) << command << "hung";
    EXPECT_TRUE(got.status.exited) << command << got.status.describe();
    EXPECT_EQ(got.status.code, expected.code) << command << "\nstderr: " << got.err;
    EXPECT_EQ(got.out, expected.out) << command;
    EXPECT_EQ(got.err, expected.err) << command;
  }

  void ok(const std::vector<std::string>& args, const std::string& out = "") {
    expect(args, {0, out});
  }

  static std::string tool_path(const std::string& name) {
    if (name == "xenstore-control") return std::string(XEN_UTILS_DIR) + "/" + name;
    return std::string(XENSTORE_TOOLS_DIR) + "/" + name;
  }
};

TEST_F(ToolsTest, InitialTreeIsTheCDaemons) {
  // Without a hypervisor nothing introduces dom0, so /local/domain is left
  // to the toolstack (xen-init-dom0) as on a real host.
  ok({"xenstore-ls", "-f", "/"},
     "/tool = \"\"\n"
     "/tool/xenstored = \"\"\n");
  ok({"xenstore-list", "-p", "/"}, "//tool\n");
}

TEST_F(ToolsTest, InitialTreePermissionsAreDom0Only) {
  ok({"xenstore-ls", "-p", "/"},
     "tool = \"\"  . . . . . . . . . . . . . . . . . . . . . . . . .  (n0)\n"
     " xenstored = \"\"  . . . . . . . . . . . . . . . . . . . . . .  (n0)\n");
}

TEST_F(ToolsTest, WriteThenReadSeveralKeys) {
  ok({"xenstore-write", "/a/b/c", "hello", "/a/d", "two words"});
  ok({"xenstore-read", "/a/b/c", "/a/d"}, "hello\ntwo words\n");
  ok({"xenstore-read", "-p", "/a/d"}, "/a/d: two words\n");
  // Writing a deep path creates the missing parents with empty values.
  ok({"xenstore-read", "/a/b"}, "\n");
}

TEST_F(ToolsTest, OverwriteReplacesTheValue) {
  ok({"xenstore-write", "/k", "first"});
  ok({"xenstore-write", "/k", "second"});
  ok({"xenstore-read", "/k"}, "second\n");
}

TEST_F(ToolsTest, ReadOfMissingNodeFails) {
  expect({"xenstore-read", "/nonexist"}, {1, "", "xenstore-read: couldn't read path /nonexist\n"});
}

TEST_F(ToolsTest, InvalidPathsAreRefused) {
  ok({"xenstore-write", "/o/z", "1"});
  expect({"xenstore-read", "/o/"}, {1, "", "xenstore-read: couldn't read path /o/\n"});
  expect({"xenstore-write", "/o/", "5"}, {1, "", "xenstore-write: could not write path /o/\n"});
  expect({"xenstore-write", "//o", "5"}, {1, "", "xenstore-write: could not write path //o\n"});
  expect({"xenstore-write", "/bad path", "1"},
         {1, "", "xenstore-write: could not write path /bad path\n"});
  expect({"xenstore-read", "@introduceDomain"},
         {1, "", "xenstore-read: couldn't read path @introduceDomain\n"});
  expect({"xenstore-exists", "/o/z/"}, {1, ""});
}

TEST_F(ToolsTest, RelativePathsAreUnderDom0sHome) {
  ok({"xenstore-write", "rel", "1"});
  ok({"xenstore-read", "/local/domain/0/rel"}, "1\n");
  ok({"xenstore-read", "rel"}, "1\n");
  ok({"xenstore-ls", "/local/domain/0"}, "rel = \"1\"\n");
}

TEST_F(ToolsTest, ExistsReportsThroughExitStatus) {
  ok({"xenstore-write", "/e/f", "1"});
  ok({"xenstore-exists", "/e"});
  ok({"xenstore-exists", "/e/f"});
  expect({"xenstore-exists", "/e/g"}, {1, ""});
  expect({"xenstore-exists", "/zz"}, {1, ""});
}

TEST_F(ToolsTest, ListKeepsCreationOrder) {
  ok({"xenstore-write", "/o/z", "1", "/o/b", "2", "/o/m", "3"});
  ok({"xenstore-list", "/o"}, "z\nb\nm\n");
  ok({"xenstore-list", "-p", "/o"}, "/o/z\n/o/b\n/o/m\n");
  // Rewriting an existing child keeps its place.
  ok({"xenstore-write", "/o/z", "again"});
  ok({"xenstore-list", "/o"}, "z\nb\nm\n");
  ok({"xenstore-list", "/o/z"}, "");
  expect({"xenstore-list", "/nonexist"}, {1, "", "xenstore-list: could not list path /nonexist\n"});
}

TEST_F(ToolsTest, LsShowsTheSubtree) {
  ok({"xenstore-write", "/a/b/c", "hello", "/a/d", "two words"});
  ok({"xenstore-ls", "/a"}, "b = \"\"\n c = \"hello\"\nd = \"two words\"\n");
  ok({"xenstore-ls", "-f", "/a"},
     "/a/b = \"\"\n/a/b/c = \"hello\"\n/a/d = \"two words\"\n");
  expect({"xenstore-ls", "/nonexist"},
         {1, "", "xenstore-ls: xs_directory (/nonexist): No such file or directory\n"});
}

TEST_F(ToolsTest, LsEscapesControlCharacters) {
  ok({"xenstore-write", "/esc", "a\\nb\\tc"});
  ok({"xenstore-ls", "-f", "/esc"}, "");  // no children: nothing listed
  ok({"xenstore-ls", "-f", "/"}, 
     "/tool = \"\"\n/tool/xenstored = \"\"\n/esc = \"a\\nb\\tc\"\n");
  ok({"xenstore-read", "/esc"}, "a\\nb\\tc\n");
}

TEST_F(ToolsTest, RmRemovesTheWholeSubtree) {
  ok({"xenstore-write", "/r/s/t", "1", "/r/u", "2"});
  ok({"xenstore-rm", "/r/s"});
  ok({"xenstore-list", "/r"}, "u\n");
  expect({"xenstore-read", "/r/s/t"}, {1, "", "xenstore-read: couldn't read path /r/s/t\n"});
}

TEST_F(ToolsTest, RmOfMissingNode) {
  ok({"xenstore-write", "/r/u", "2"});
  // A missing node whose parent exists is already gone: success.
  ok({"xenstore-rm", "/r/missing"});
  ok({"xenstore-rm", "/zz"});
  // A missing parent is an error.
  expect({"xenstore-rm", "/nonexist/deeper"},
         {1, "", "xenstore-rm: could not remove path /nonexist/deeper\n"});
}

TEST_F(ToolsTest, RmTidyRemovesEmptyParents) {
  ok({"xenstore-write", "/t1/t2/t3", "x", "/t1/keep", "y"});
  ok({"xenstore-rm", "-t", "/t1/t2/t3"});
  ok({"xenstore-ls", "-f", "/t1"}, "/t1/keep = \"y\"\n");
  ok({"xenstore-rm", "-t", "/t1/keep"});
  expect({"xenstore-exists", "/t1"}, {1, ""});
}

TEST_F(ToolsTest, ChmodSetsPermissions) {
  ok({"xenstore-write", "/p/a", "1"});
  ok({"xenstore-chmod", "/p", "n0", "r5", "w7", "b9"});
  ok({"xenstore-ls", "-p", "/"},
     "tool = \"\"  . . . . . . . . . . . . . . . . . . . . . . . . .  (n0)\n"
     " xenstored = \"\"  . . . . . . . . . . . . . . . . . . . . . .  (n0)\n"
     "p = \"\" . . . . . . . . . . . . . . . . . . . . . . . . . . .  (n0,r5,w7,b9)\n"
     " a = \"1\" . . . . . . . . . . . . . . . . . . . . . . . . . .  (n0)\n");
}

TEST_F(ToolsTest, ChmodRecursiveAndUpdate) {
  ok({"xenstore-write", "/w/x", "1", "/w/y/z", "3"});
  ok({"xenstore-chmod", "-r", "/w", "b3"});
  ok({"xenstore-ls", "-p", "/w"},
     "x = \"1\"  . . . . . . . . . . . . . . . . . . . . . . . . . .  (b3)\n"
     "y = \"\" . . . . . . . . . . . . . . . . . . . . . . . . . . .  (b3)\n"
     " z = \"3\" . . . . . . . . . . . . . . . . . . . . . . . . . .  (b3)\n");
  ok({"xenstore-chmod", "-u", "/w/x", "r4"});
  ok({"xenstore-ls", "-p", "/w"},
     "x = \"1\"  . . . . . . . . . . . . . . . . . . . . . . . . . .  (r4)\n"
     "y = \"\" . . . . . . . . . . . . . . . . . . . . . . . . . . .  (b3)\n"
     " z = \"3\" . . . . . . . . . . . . . . . . . . . . . . . . . .  (b3)\n");
}

TEST_F(ToolsTest, ChmodErrors) {
  expect({"xenstore-chmod", "/nonexist", "n1"},
         {1, "",
          "xenstore-chmod: Error occurred setting permissions on '/nonexist': "
          "No such file or directory\n"});
  ok({"xenstore-write", "/p/a", "1"});
  expect({"xenstore-chmod", "/p/a"},
         {1, "",
          "xenstore-chmod: Error occurred setting permissions on '/p/a': Invalid argument\n"});
}

TEST_F(ToolsTest, Dom0IsNotLimitedInPermissionEntries) {
  ok({"xenstore-write", "/p/a", "1"});
  std::vector<std::string> args = {"xenstore-chmod", "/p/a", "n0"};
  std::string perms = "n0";
  for (int d = 1; d <= 22; ++d) {
    args.push_back("r" + std::to_string(d));
    perms += ",r" + std::to_string(d);
  }
  ok(args);
  ok({"xenstore-ls", "-p", "/p"}, "a = \"1\"  . . . . . . . . . . . . . . . . . . . . . . . . . .  (" +
                                      perms + ")\n");
}

TEST_F(ToolsTest, LargeValueRoundTrips) {
  const std::string value(4000, 'v');
  ok({"xenstore-write", "/big", value});
  ok({"xenstore-read", "/big"}, value + "\n");
}

TEST_F(ToolsTest, WatchSeesRegistrationThenEachChange) {
  ok({"xenstore-write", "/p/a", "1"});
  Subprocess watcher = Subprocess::start({tool_path("xenstore-watch"), "-n", "5", "/p"},
                                         {{"XENSTORED_PATH", daemon().socket_path()}});
  // The event every new watch fires at once proves it is registered.
  ASSERT_EQ(watcher.read_stdout_until("/p\n", 10s), "/p\n");
  ok({"xenstore-write", "/p/a", "2"});
  ok({"xenstore-rm", "/p/a"});
  ok({"xenstore-write", "/q", "1"});  // outside the watched subtree
  ok({"xenstore-chmod", "/p", "b0"});
  ok({"xenstore-rm", "/p"});
  const Completed got = watcher.wait(10s);
  ASSERT_FALSE(got.timed_out) << "xenstore-watch saw only:\n" << got.out;
  EXPECT_EQ(got.status.code, 0);
  EXPECT_EQ(got.out, "/p\n/p/a\n/p/a\n/p\n/p\n");  // includes the first event
  EXPECT_EQ(got.err, "");
}

TEST_F(ToolsTest, ControlHelpAndUnknownCommand) {
  if (std::string(XEN_UTILS_DIR).empty()) GTEST_SKIP() << "xenstore-control not found";
  const std::string help =
      "check\t\n"
      "log\ton|off\n"
      "live-update\t[-c <cmdline>] [-F] [-t <timeout>] <file>\n"
      "    Default timeout is 60 seconds.\n"
      "logfile\t<file>\n"
      "memreport\t[<file>]\n"
      "print\t<string>\n"
      "quota\t[set <name> <val>|<domid>]\n"
      "quota-soft\t[set <name> <val>]\n"
      "help\t\n"
      "\n";
  ok({"xenstore-control", "help"}, help);
  expect({"xenstore-control", "bogus"}, {3, "", "Command not supported. Valid commands are:\n" + help});
  ok({"xenstore-control", "check"}, "OK\n");
  ok({"xenstore-control", "print", "hello from the tests"}, "OK\n");
}

TEST_F(ToolsTest, ControlQuotaShowsTheCDaemonsDefaults) {
  if (std::string(XEN_UTILS_DIR).empty()) GTEST_SKIP() << "xenstore-control not found";
  ok({"xenstore-control", "quota"},
     "Quota settings:\n"
     "nodes            :     1000 Nodes per domain\n"
     "watches          :      128 Watches per domain\n"
     "transactions     :       10 Transactions per domain\n"
     "outstanding      :       20 Outstanding requests per domain\n"
     "transaction-nodes:     1024 Max. number of accessed nodes per transaction\n"
     "memory           :  2621440 Total Xenstore memory per domain (error level)\n"
     "node-size        :     2048 Max. size of a node\n"
     "path-max         :     2048 Max. length of a node path\n"
     "permissions      :        5 Max. number of permissions per node\n"
     "\n");
  ok({"xenstore-control", "quota-soft"},
     "Quota settings:\n"
     "memory           :  2097152 Total Xenstore memory per domain (warning level)\n"
     "\n");
}

TEST_F(ToolsTest, ControlQuotaOfDom0CountsItsNodes) {
  if (std::string(XEN_UTILS_DIR).empty()) GTEST_SKIP() << "xenstore-control not found";
  const Completed got = client({tool_path("xenstore-control"), "quota", "0"});
  ASSERT_TRUE(got.status.success()) << got.err;
  // The memory figure is the daemon's own estimate of its allocations; the
  // node, watch and transaction counts are exact.
  const std::string before_memory =
      "Domain 0:\n"
      "nodes           :        3\n"
      "watches         :        0\n"
      "transactions    :        0\n"
      "outstanding     :        0\n"
      "memory          :";
  EXPECT_EQ(got.out.substr(0, before_memory.size()), before_memory) << got.out;
}

}  // namespace
}  // namespace cxxenstored::integration
