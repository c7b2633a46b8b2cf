// Every operation of the request engine and each of its error replies, as
// the C daemon (xenstored 4.17) answers them.
#include <cerrno>

#include "engine_fixture.h"

namespace cxxenstored::protocol {
namespace {

using namespace std::string_literals;
using testing_support::EngineTest;
using V = std::vector<std::string>;

TEST_F(EngineTest, UnknownAndReplyOnlyTypesAreENOSYS) {
  for (std::uint32_t type : {15u /*WATCH_EVENT*/, 16u /*ERROR*/, 20u /*RESTRICT*/, 27u, 99u, 0xffffu})
    EXPECT_EQ(one(type, "/\0"s), "ERROR:ENOSYS|") << type;
}

TEST_F(EngineTest, ReplyEchoesRequestAndTransactionIds) {
  send(kDom0, XS_READ, "/\0"s, 0, 4242);
  ASSERT_EQ(last.size(), 1u);
  EXPECT_EQ(last[0].second.header.req_id, 4242u);
  EXPECT_EQ(last[0].second.header.tx_id, 0u);
  send(kDom0, XS_READ, "/\0"s, 9, 5);  // unknown transaction
  EXPECT_EQ(last[0].second.header.tx_id, 9u);
  EXPECT_EQ(testing_support::show(last[0].second), "ERROR:ENOENT|");
}

TEST_F(EngineTest, InitialTree) {
  EXPECT_EQ(one(XS_DIRECTORY, "/\0"s), "DIRECTORY:tool|");
  EXPECT_EQ(one(XS_DIRECTORY, "/tool\0"s), "DIRECTORY:xenstored|");
  EXPECT_EQ(one(XS_READ, "/tool/xenstored\0"s), "READ:");
  EXPECT_EQ(one(XS_GET_PERMS, "/\0"s), "GET_PERMS:n0|");
}

TEST_F(EngineTest, ReadArguments) {
  EXPECT_EQ(one(XS_READ, "/\0"s), "READ:");
  EXPECT_EQ(one(XS_READ, "/tool"), "ERROR:EINVAL|");          // no NUL
  EXPECT_EQ(one(XS_READ, "/tool\0x"s), "ERROR:EINVAL|");      // data after it
  EXPECT_EQ(one(XS_READ, "\0"s), "ERROR:EINVAL|");            // empty name
  EXPECT_EQ(one(XS_READ, "/a//b\0"s), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_READ, "/a/\0"s), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_READ, "/a b\0"s), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_READ, "@introduceDomain\0"s), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_READ, "/nonexist\0"s), "ERROR:ENOENT|");
  EXPECT_EQ(one(XS_READ, "foo\0"s), "ERROR:ENOENT|");  // /local/domain/0/foo
  EXPECT_EQ(one(XS_READ, "/"s + std::string(2100, 'x') + "\0"s), "ERROR:EINVAL|");
}

TEST_F(EngineTest, WriteValueIsEverythingAfterTheFirstNul) {
  EXPECT_EQ(one(XS_WRITE, "/a\0v\0w\0"s), "WRITE:OK|");
  EXPECT_EQ(one(XS_READ, "/a\0"s), "READ:v|w|");
  EXPECT_EQ(one(XS_WRITE, "/a\0"s), "WRITE:OK|");
  EXPECT_EQ(one(XS_READ, "/a\0"s), "READ:");
  EXPECT_EQ(one(XS_WRITE, "/a"), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_WRITE, ""), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_WRITE, "\0x"s), "ERROR:EINVAL|");
}

TEST_F(EngineTest, RelativePathsAreBelowTheCallersHome) {
  EXPECT_EQ(one(XS_WRITE, "rel/x\0v"s), "WRITE:OK|");
  EXPECT_EQ(one(XS_READ, "/local/domain/0/rel/x\0"s), "READ:v");
}

TEST_F(EngineTest, MkdirAndRm) {
  EXPECT_EQ(one(XS_MKDIR, "/d/e\0"s), "MKDIR:OK|");
  EXPECT_EQ(one(XS_MKDIR, "/d/e\0"s), "MKDIR:OK|");
  EXPECT_EQ(one(XS_DIRECTORY, "/d\0"s), "DIRECTORY:e|");
  EXPECT_EQ(one(XS_MKDIR, "/d"), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_RM, "/\0"s), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_RM, "/x/y\0"s), "ERROR:ENOENT|");  // parent missing
  EXPECT_EQ(one(XS_RM, "/d/zz\0"s), "RM:OK|");        // parent exists
  EXPECT_EQ(one(XS_RM, "/d\0"s), "RM:OK|");
  EXPECT_EQ(one(XS_READ, "/d/e\0"s), "ERROR:ENOENT|");
  EXPECT_EQ(one(XS_RM, "/d\0x"s), "ERROR:EINVAL|");
}

TEST_F(EngineTest, DirectoryListsInCreationOrder) {
  one(XS_WRITE, "/p/zeta\0"s);
  one(XS_WRITE, "/p/alpha\0"s);
  one(XS_WRITE, "/p/mid\0"s);
  EXPECT_EQ(one(XS_DIRECTORY, "/p\0"s), "DIRECTORY:zeta|alpha|mid|");
  EXPECT_EQ(one(XS_DIRECTORY, "/p/zeta\0"s), "DIRECTORY:");
  EXPECT_EQ(one(XS_DIRECTORY, "/nope\0"s), "ERROR:ENOENT|");
}

TEST_F(EngineTest, DirectoryTooBigForOneMessageIsE2BIG) {
  std::string name(60, 'n');
  for (int i = 0; i < 80; ++i) one(XS_WRITE, "/big/"s + name + std::to_string(i) + "\0"s);
  EXPECT_EQ(one(XS_DIRECTORY, "/big\0"s), "ERROR:E2BIG|");
}

TEST_F(EngineTest, DirectoryPartByByteOffset) {
  one(XS_WRITE, "/p/ab\0"s);
  one(XS_WRITE, "/p/cd\0"s);
  auto gen = store.children_generation(store::Caller::dom0(), "/p");
  ASSERT_TRUE(gen);
  char hex[24];
  std::snprintf(hex, sizeof hex, "%llx", static_cast<unsigned long long>(*gen));
  std::string g = std::string("DIRECTORY_PART:") + hex + "|";
  EXPECT_EQ(one(XS_DIRECTORY_PART, "/p\0000\0"s), g + "ab|cd||");
  EXPECT_EQ(one(XS_DIRECTORY_PART, "/p\0003\0"s), g + "cd||");
  EXPECT_EQ(one(XS_DIRECTORY_PART, "/p\0001\0"s), g + "b|cd||");   // mid-name, like C
  EXPECT_EQ(one(XS_DIRECTORY_PART, "/p\0006\0"s), g + "|");
  EXPECT_EQ(one(XS_DIRECTORY_PART, "/p\0-1\0"s), g + "|");
  EXPECT_EQ(one(XS_DIRECTORY_PART, "/p\0abc\0"s), g + "ab|cd||");
  EXPECT_EQ(one(XS_DIRECTORY_PART, "/p\0"s), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_DIRECTORY_PART, "/p\0000\0\0"s), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_DIRECTORY_PART, "/nope\0000\0"s), "ERROR:ENOENT|");
}

TEST_F(EngineTest, DirectoryPartSplitsLongListsIntoWholeNames) {
  std::string name(60, 'n');
  std::string all;
  for (int i = 0; i < 80; ++i) {
    std::string child = name + std::to_string(i);
    one(XS_WRITE, "/big/"s + child + "\0"s);
    all += child + '\0';
  }
  std::string collected;
  std::size_t offset = 0;
  for (int round = 0; round < 5; ++round) {
    send(XS_DIRECTORY_PART, "/big\0"s + std::to_string(offset) + "\0"s);
    const std::string& p = last.at(0).second.payload;
    ASSERT_LE(p.size(), kPayloadMax);
    std::string body = p.substr(p.find('\0') + 1);
    bool complete = body.size() >= 1 && body.back() == '\0' &&
                    (body.size() == 1 || body[body.size() - 2] == '\0');
    if (complete) body.pop_back();
    collected += body;
    offset += body.size();
    if (complete) break;
  }
  EXPECT_EQ(collected, all);
}

TEST_F(EngineTest, Permissions) {
  one(XS_WRITE, "/a\0"s);
  EXPECT_EQ(one(XS_SET_PERMS, "/a\0r5\0n3\0"s), "SET_PERMS:OK|");
  EXPECT_EQ(one(XS_GET_PERMS, "/a\0"s), "GET_PERMS:r5|n3|");
  EXPECT_EQ(one(XS_SET_PERMS, "/a\0"s), "ERROR:EINVAL|");        // no permission
  EXPECT_EQ(one(XS_SET_PERMS, "/a"), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_SET_PERMS, "/a\0x0\0"s), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_SET_PERMS, "/a\0r\0"s), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_SET_PERMS, "/zz\0b0\0"s), "ERROR:ENOENT|");
  EXPECT_EQ(one(XS_SET_PERMS, "@foo\0b0\0"s), "ERROR:ENOENT|");
  EXPECT_EQ(one(XS_SET_PERMS, "@introduceDomain\0r0\0"s), "SET_PERMS:OK|");
  EXPECT_EQ(one(XS_GET_PERMS, "@introduceDomain\0"s), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_GET_PERMS, "/zz\0"s), "ERROR:ENOENT|");
}

TEST_F(EngineTest, GuestPermissionRules) {
  SessionId guest = open_guest(5);
  one(XS_WRITE, "/secret\0x"s);
  EXPECT_EQ(send(guest, XS_READ, "/secret\0"s), V{"ERROR:EACCES|"});
  one(XS_WRITE, "/local/domain/5\0"s);
  one(XS_SET_PERMS, "/local/domain/5\0b5\0"s);
  EXPECT_EQ(send(guest, XS_WRITE, "data\0v"s), V{"WRITE:OK|"});
  EXPECT_EQ(send(guest, XS_READ, "/local/domain/5/data\0"s), V{"READ:v"});
  // Too many permission entries for a guest: ENOSPC before parsing them.
  std::string many = "data\0"s;
  for (int i = 0; i < 6; ++i) many += "r" + std::to_string(i) + "\0"s;
  EXPECT_EQ(send(guest, XS_SET_PERMS, many), V{"ERROR:ENOSPC|"});
  // Guests may not give their nodes away.
  EXPECT_EQ(send(guest, XS_SET_PERMS, "data\0b0\0"s), V{"ERROR:EPERM|"});
}

TEST_F(EngineTest, PrivilegedOperationsRefusedToGuests) {
  SessionId guest = open_guest(3);
  for (std::uint32_t type : {static_cast<std::uint32_t>(XS_CONTROL), static_cast<std::uint32_t>(XS_INTRODUCE),
                             static_cast<std::uint32_t>(XS_RELEASE), static_cast<std::uint32_t>(XS_IS_DOMAIN_INTRODUCED),
                             static_cast<std::uint32_t>(XS_RESUME), static_cast<std::uint32_t>(XS_SET_TARGET),
                             kGetFeature, kSetFeature, kGetQuota, kSetQuota})
    EXPECT_EQ(send(guest, type, "1\0"s), V{"ERROR:EACCES|"}) << type;
  // Everyone may ask for a domain path.
  EXPECT_EQ(send(guest, XS_GET_DOMAIN_PATH, "3\0"s), V{"GET_DOMAIN_PATH:/local/domain/3|"});
}

TEST_F(EngineTest, TransactionsAreNumberedPerSession) {
  EXPECT_EQ(one(XS_TRANSACTION_START, ""), "TRANSACTION_START:1|");
  EXPECT_EQ(one(XS_TRANSACTION_START, "x\0"s), "TRANSACTION_START:2|");
  SessionId other = open_dom0();
  EXPECT_EQ(send(other, XS_TRANSACTION_START, "\0"s), V{"TRANSACTION_START:1|"});
  EXPECT_EQ(one(XS_TRANSACTION_START, "\0"s, 1), "ERROR:EBUSY|");
  EXPECT_EQ(one(XS_TRANSACTION_START, "\0"s, 9), "ERROR:ENOENT|");
  // Another session's id is unknown here.
  EXPECT_EQ(send(other, XS_READ, "/\0"s, 2), V{"ERROR:ENOENT|"});
}

TEST_F(EngineTest, TransactionEndArguments) {
  EXPECT_EQ(one(XS_TRANSACTION_START, ""), "TRANSACTION_START:1|");
  EXPECT_EQ(one(XS_TRANSACTION_END, "X\0"s), "ERROR:EINVAL|");   // arg checked first
  EXPECT_EQ(one(XS_TRANSACTION_END, "T\0"s), "ERROR:ENOENT|");   // no transaction
  EXPECT_EQ(one(XS_TRANSACTION_END, "T\0"s, 9), "ERROR:ENOENT|");
  EXPECT_EQ(one(XS_TRANSACTION_END, "X\0"s, 1), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_TRANSACTION_END, "T"s, 1), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_TRANSACTION_END, "T\0"s, 1), "TRANSACTION_END:OK|");
  EXPECT_EQ(one(XS_TRANSACTION_END, "T\0"s, 1), "ERROR:ENOENT|");  // gone
}

TEST_F(EngineTest, TransactionIsolationCommitAndAbort) {
  one(XS_TRANSACTION_START, "");
  EXPECT_EQ(one(XS_WRITE, "/t\0v"s, 1), "WRITE:OK|");
  EXPECT_EQ(one(XS_READ, "/t\0"s, 1), "READ:v");
  EXPECT_EQ(one(XS_READ, "/t\0"s), "ERROR:ENOENT|");
  EXPECT_EQ(one(XS_GET_DOMAIN_PATH, "0\0"s, 1), "GET_DOMAIN_PATH:/local/domain/0|");
  EXPECT_EQ(one(XS_TRANSACTION_END, "T\0"s, 1), "TRANSACTION_END:OK|");
  EXPECT_EQ(one(XS_READ, "/t\0"s), "READ:v");

  one(XS_TRANSACTION_START, "");
  EXPECT_EQ(one(XS_WRITE, "/t\0w"s, 2), "WRITE:OK|");
  EXPECT_EQ(one(XS_TRANSACTION_END, "F\0"s, 2), "TRANSACTION_END:OK|");
  EXPECT_EQ(one(XS_READ, "/t\0"s), "READ:v");
}

TEST_F(EngineTest, ConflictingCommitIsEAGAINAndEndsTheTransaction) {
  one(XS_WRITE, "/c\0" "0"s);
  one(XS_TRANSACTION_START, "");
  EXPECT_EQ(one(XS_READ, "/c\0"s, 1), "READ:0");
  EXPECT_EQ(one(XS_WRITE, "/c\0tx"s, 1), "WRITE:OK|");
  EXPECT_EQ(one(XS_WRITE, "/c\0live"s), "WRITE:OK|");
  EXPECT_EQ(one(XS_TRANSACTION_END, "T\0"s, 1), "ERROR:EAGAIN|");
  EXPECT_EQ(one(XS_READ, "/c\0"s), "READ:live");
  EXPECT_EQ(one(XS_READ, "/c\0"s, 1), "ERROR:ENOENT|");
}

TEST_F(EngineTest, GuestTransactionLimit) {
  limits.transactions_per_domain = 2;
  SessionId guest = open_guest(4);
  // Like the C daemon, the limit is exceeded by one before ENOSPC.
  for (int i = 1; i <= 3; ++i)
    EXPECT_EQ(send(guest, XS_TRANSACTION_START, ""), V{"TRANSACTION_START:" + std::to_string(i) + "|"});
  EXPECT_EQ(send(guest, XS_TRANSACTION_START, ""), V{"ERROR:ENOSPC|"});
}

TEST_F(EngineTest, ResetWatchesAlsoEndsTransactions) {
  one(XS_TRANSACTION_START, "");
  send(XS_WATCH, "/q\0t\0"s);
  EXPECT_EQ(one(XS_RESET_WATCHES, ""), "RESET_WATCHES:OK|");
  EXPECT_EQ(one(XS_READ, "/\0"s, 1), "ERROR:ENOENT|");
  one(XS_WRITE, "/q\0"s);
  EXPECT_EQ(last.size(), 1u);  // no event any more
}

TEST_F(EngineTest, EveryOperationButWatchAndUnwatchLooksItsTransactionUp) {
  one(XS_WRITE, "/q\0"s);
  for (std::uint32_t type : {static_cast<std::uint32_t>(XS_GET_DOMAIN_PATH), static_cast<std::uint32_t>(XS_RESET_WATCHES),
                             static_cast<std::uint32_t>(XS_INTRODUCE), static_cast<std::uint32_t>(XS_RELEASE),
                             static_cast<std::uint32_t>(XS_IS_DOMAIN_INTRODUCED), static_cast<std::uint32_t>(XS_RESUME),
                             static_cast<std::uint32_t>(XS_SET_TARGET), static_cast<std::uint32_t>(XS_CONTROL),
                             kGetFeature, kSetFeature, kGetQuota, kSetQuota})
    EXPECT_EQ(one(type, "0\0"s, 12345), "ERROR:ENOENT|") << type;
  // WATCH and UNWATCH ignore it.
  EXPECT_EQ(send(XS_WATCH, "/q\0t\0"s, 12345), (V{"WATCH:OK|", "WATCH_EVENT:/q|t|"}));
  EXPECT_EQ(one(XS_UNWATCH, "/q\0t\0"s, 12345), "UNWATCH:OK|");
  // A known one: the operation runs, and RESET_WATCHES ends it with the rest.
  EXPECT_EQ(one(XS_TRANSACTION_START, ""), "TRANSACTION_START:1|");
  EXPECT_EQ(one(XS_GET_DOMAIN_PATH, "3\0"s, 1), "GET_DOMAIN_PATH:/local/domain/3|");
  EXPECT_EQ(one(XS_RESET_WATCHES, "", 1), "RESET_WATCHES:OK|");
  EXPECT_EQ(one(XS_RESET_WATCHES, "", 1), "ERROR:ENOENT|");
  EXPECT_EQ(one(XS_READ, "/q\0"s, 1), "ERROR:ENOENT|");
}

TEST_F(EngineTest, DomainPathAndIntroducedQueries) {
  EXPECT_EQ(one(XS_GET_DOMAIN_PATH, "3\0"s), "GET_DOMAIN_PATH:/local/domain/3|");
  EXPECT_EQ(one(XS_GET_DOMAIN_PATH, "abc\0"s), "GET_DOMAIN_PATH:/local/domain/0|");
  EXPECT_EQ(one(XS_GET_DOMAIN_PATH, "-1\0"s), "GET_DOMAIN_PATH:/local/domain/4294967295|");
  EXPECT_EQ(one(XS_GET_DOMAIN_PATH, "99999999999\0"s), "GET_DOMAIN_PATH:/local/domain/1215752191|");
  EXPECT_EQ(one(XS_GET_DOMAIN_PATH, ""), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_GET_DOMAIN_PATH, "3\0"s, 77), "ERROR:ENOENT|");  // no transaction 77
  EXPECT_EQ(one(XS_IS_DOMAIN_INTRODUCED, "0\0"s), "IS_DOMAIN_INTRODUCED:T|");
  EXPECT_EQ(one(XS_IS_DOMAIN_INTRODUCED, "\0"s), "IS_DOMAIN_INTRODUCED:T|");
  EXPECT_EQ(one(XS_IS_DOMAIN_INTRODUCED, "5\0"s), "IS_DOMAIN_INTRODUCED:F|");
  EXPECT_EQ(one(XS_IS_DOMAIN_INTRODUCED, "32752\0"s), "IS_DOMAIN_INTRODUCED:T|");  // DOMID_SELF
  EXPECT_EQ(one(XS_IS_DOMAIN_INTRODUCED, "0"), "ERROR:EINVAL|");
}

TEST_F(EngineTest, DomainLifecycleWithoutHypervisor) {
  EXPECT_EQ(one(XS_INTRODUCE, "0\0001\0001\0"s), "INTRODUCE:OK|");
  EXPECT_EQ(one(XS_INTRODUCE, "x\0001\0001\0"s), "INTRODUCE:OK|");
  EXPECT_EQ(one(XS_INTRODUCE, "5\0001\0001\0"s), "ERROR:ENOSYS|");
  EXPECT_EQ(one(XS_INTRODUCE, "5\0001\0001\0001\0"s), "ERROR:ENOSYS|");
  EXPECT_EQ(one(XS_INTRODUCE, "5\0001\0"s), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_INTRODUCE, "5\0x\0y\0"s), "ERROR:EINVAL|");  // port 0
  EXPECT_EQ(one(XS_RELEASE, "0\0"s), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_RELEASE, "\0"s), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_RELEASE, "5"), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_RELEASE, "5\0"s), "ERROR:ENOENT|");
  EXPECT_EQ(one(XS_RESUME, "0\0"s), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_RESUME, "5\0"s), "ERROR:ENOENT|");
  EXPECT_EQ(one(XS_SET_TARGET, "5\0"s), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_SET_TARGET, "0\0005\0"s), "ERROR:ENOENT|");
  EXPECT_EQ(one(XS_SET_TARGET, "5\0000\0"s), "ERROR:ENOENT|");
  EXPECT_EQ(one(XS_SET_TARGET, "\0\0"s), "SET_TARGET:OK|");
}

TEST_F(EngineTest, ControlCommands) {
  EXPECT_EQ(one(XS_CONTROL, ""), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_CONTROL, "\0"s), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_CONTROL, "help"), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_CONTROL, "nonsense\0"s), "ERROR:EINVAL|");
  std::string help = one(XS_CONTROL, "help\0"s);
  EXPECT_NE(help.find("check\t\nlog\ton|off\n"), std::string::npos) << help;
  EXPECT_NE(help.find("quota\t[set <name> <val>|<domid>]\n"), std::string::npos);
  EXPECT_TRUE(help.ends_with("\nhelp\t\n|")) << help;
  EXPECT_EQ(one(XS_CONTROL, "check\0"s), "DEBUG:OK|");
  EXPECT_EQ(one(XS_CONTROL, "check\0x\0"s), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_CONTROL, "print\0hi\0"s), "DEBUG:OK|");
  EXPECT_EQ(logged.back(), "control: hi");
  EXPECT_EQ(one(XS_CONTROL, "print\0"s), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_CONTROL, "log\0"s), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_CONTROL, "log\0on\0"s), "DEBUG:OK|");
  EXPECT_TRUE(trace_on);
  EXPECT_EQ(one(XS_CONTROL, "logfile\0/tmp/t\0"s), "DEBUG:OK|");
  EXPECT_EQ(trace_file, "/tmp/t");
}

TEST_F(EngineTest, ControlQuota) {
  std::string settings = one(XS_CONTROL, "quota\0"s);
  EXPECT_TRUE(settings.starts_with(
      "DEBUG:Quota settings:\nnodes            :     1000 Nodes per domain\n"
      "watches          :      128 Watches per domain\n"))
      << settings;
  EXPECT_EQ(one(XS_CONTROL, "quota\0set\0nodes\0x\0"s), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_CONTROL, "quota\0set\0bogus\0005\0"s), "ERROR:EINVAL|");
  EXPECT_EQ(one(XS_CONTROL, "quota\0set\0nodes\0001500\0"s), "DEBUG:OK|");
  EXPECT_EQ(store.quotas().nodes_per_domain, 1500u);
  EXPECT_EQ(one(XS_CONTROL, "quota\0007\0"s), "ERROR:ENOENT|");
  std::string dom0 = one(XS_CONTROL, "quota\0000\0"s);
  EXPECT_EQ(dom0.substr(0, 16), "DEBUG:Domain 0:\n");
  EXPECT_EQ(one(XS_CONTROL, "quota-soft\0"s),
            "DEBUG:Quota settings:\nmemory           :  2097152 Total Xenstore memory per domain "
            "(warning level)\n|");
  EXPECT_EQ(one(XS_CONTROL, "quota-soft\0x\0"s), "ERROR:EINVAL|");
}

TEST_F(EngineTest, RegisteredControlCommand) {
  control.add("echo", "<word>", [](const ControlRequest& r) -> Result<std::string> {
    if (r.args.size() != 1) return Error{EINVAL};
    return std::string(r.args[0]);
  });
  EXPECT_EQ(one(XS_CONTROL, "echo\0abc\0"s), "DEBUG:abc|");
  // Commands of our own work but stay out of "help", which lists exactly
  // the C daemon's commands in its order.
  const std::string help = one(XS_CONTROL, "help\0"s);
  EXPECT_EQ(help.find("echo"), std::string::npos);
  EXPECT_NE(help.find("quota-soft\t[set <name> <val>]\nhelp\t\n"), std::string::npos);
}

TEST_F(EngineTest, FeaturesAndQuotasOfXenMaster) {
  EXPECT_EQ(one(kGetFeature, ""), "GET_FEATURE:3|");
  EXPECT_EQ(one(kGetFeature, "0\0"s), "GET_FEATURE:3|");
  EXPECT_EQ(one(kGetFeature, "7\0"s), "ERROR:ENOENT|");
  EXPECT_EQ(one(kSetFeature, "0\0001\0"s), "SET_FEATURE:OK|");
  EXPECT_EQ(one(kGetFeature, "0\0"s), "GET_FEATURE:1|");
  EXPECT_EQ(one(kSetFeature, "0\0008\0"s), "ERROR:EINVAL|");
  EXPECT_EQ(one(kGetQuota, "nodes\0"s), "GET_QUOTA:1000|");
  EXPECT_EQ(one(kGetQuota, "0\0nodes\0"s), "GET_QUOTA:1000|");
  EXPECT_EQ(one(kGetQuota, "9\0nodes\0"s), "ERROR:ENOENT|");
  EXPECT_EQ(one(kGetQuota, "bogus\0"s), "ERROR:EINVAL|");
  EXPECT_EQ(one(kSetQuota, "watches\00064\0"s), "SET_QUOTA:OK|");
  EXPECT_EQ(limits.watches_per_domain, 64u);
  EXPECT_NE(one(kGetQuota, "").find("transaction-nodes"), std::string::npos);
}

}  // namespace
}  // namespace cxxenstored::protocol
