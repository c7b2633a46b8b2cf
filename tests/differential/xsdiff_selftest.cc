// Unit tests of the harness's own parts that need no daemon: the escaped
// text form, the script parser and the random generator's determinism.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "random_script.h"
#include "script.h"
#include "wire_format.h"

namespace xsdiff {
namespace {

std::string unescaped(std::string_view text) {
  std::string error;
  auto bytes = unescape(text, error);
  EXPECT_TRUE(bytes.has_value()) << error;
  return bytes.value_or("");
}

TEST(WireFormat, EscapeRoundTripsEveryByte) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  all += std::string(40, 'z') + std::string(20, '}') + "\\\\\"";
  EXPECT_EQ(unescaped(escape(all)), all);
}

TEST(WireFormat, EscapeIsReadable) {
  EXPECT_EQ(escape(std::string("/a b\0", 5)), "/a\\sb\\0");
  EXPECT_EQ(escape(std::string(4000, 'v')), "\\{4000*v}");
  EXPECT_EQ(escape("\x01\xff"), "\\x01\\xff");
}

TEST(WireFormat, UnescapeRepetitionAndErrors) {
  EXPECT_EQ(unescaped("/\\{3*ab}/"), "/ababab/");
  EXPECT_EQ(unescaped("\\x000"), std::string("\0" "0", 2));
  std::string error;
  EXPECT_FALSE(unescape("\\q", error));
  EXPECT_FALSE(unescape("\\x4", error));
  EXPECT_FALSE(unescape("\\{3*a", error));
  EXPECT_FALSE(unescape("tail\\", error));
}

TEST(WireFormat, TypeNamesMatchTheHeader) {
  EXPECT_EQ(parse_type("WRITE"), uint32_t{XS_WRITE});
  EXPECT_EQ(parse_type("DEBUG"), uint32_t{XS_CONTROL});
  EXPECT_EQ(parse_type("DIRECTORY_PART"), uint32_t{XS_DIRECTORY_PART});
  EXPECT_EQ(parse_type("GET_FEATURE"), uint32_t{XS_DIRECTORY_PART + 1});
  EXPECT_EQ(parse_type("99"), 99u);
  EXPECT_FALSE(parse_type("NOPE"));
  EXPECT_EQ(type_name(XS_RESET_WATCHES), "RESET_WATCHES");
  EXPECT_EQ(type_name(1234), "1234");
}

TEST(WireFormat, HeaderIsNativeXsdSockmsg) {
  std::string header = encode_header(XS_READ, 7, 3, 9);
  ASSERT_EQ(header.size(), sizeof(xsd_sockmsg));
  xsd_sockmsg decoded;
  std::memcpy(&decoded, header.data(), sizeof decoded);
  EXPECT_EQ(decoded.type, uint32_t{XS_READ});
  EXPECT_EQ(decoded.req_id, 7u);
  EXPECT_EQ(decoded.tx_id, 3u);
  EXPECT_EQ(decoded.len, 9u);
}

TEST(Script, ParsesEveryStepKindAndOption) {
  auto parsed = parse_script("t", R"(# comment

a WRITE /x\0v
b TRANSACTION_START =t1 \0
b WRITE @t1 req=9 /y\0w
a send READ len=5000 split=3 /x\0
a bytes replies=2 \x02
a wait
a idle
a close
a GET_FEATURE !newer ''
)");
  ASSERT_TRUE(std::holds_alternative<Script>(parsed)) << std::get<std::string>(parsed);
  const auto& steps = std::get<Script>(parsed).steps;
  ASSERT_EQ(steps.size(), 9u);
  EXPECT_EQ(steps[0].line, 3);
  EXPECT_EQ(steps[0].type, uint32_t{XS_WRITE});
  EXPECT_EQ(steps[0].payload, std::string("/x\0v", 4));
  EXPECT_EQ(steps[1].bind, "t1");
  EXPECT_EQ(steps[2].tx, "t1");
  EXPECT_EQ(steps[2].req_id, 9u);
  EXPECT_EQ(steps[3].kind, StepKind::kSend);
  EXPECT_EQ(steps[3].len, 5000u);
  EXPECT_EQ(steps[3].split, 3u);
  EXPECT_EQ(steps[4].kind, StepKind::kBytes);
  EXPECT_EQ(steps[4].replies, 2u);
  EXPECT_EQ(steps[5].kind, StepKind::kWait);
  EXPECT_EQ(steps[6].kind, StepKind::kIdle);
  EXPECT_EQ(steps[7].kind, StepKind::kClose);
  EXPECT_EQ(steps[8].intentional, "newer");
  EXPECT_TRUE(steps[8].payload.empty());
}

TEST(Script, RepeatBlocksSubstituteTheIndex) {
  auto parsed = parse_script("t", "repeat 3\na WRITE /n%i\\0v%i\nb READ /n%i\\0\nend\na READ /x\\0\n");
  ASSERT_TRUE(std::holds_alternative<Script>(parsed)) << std::get<std::string>(parsed);
  const auto& steps = std::get<Script>(parsed).steps;
  ASSERT_EQ(steps.size(), 7u);
  EXPECT_EQ(steps[0].payload, std::string("/n0\0v0", 6));
  EXPECT_EQ(steps[3].conn, "b");
  EXPECT_EQ(steps[5].payload, std::string("/n2\0", 4));
  EXPECT_EQ(steps[5].line, 3);
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_script("t", "repeat 2\na READ /\\0\n")));
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_script("t", "end\n")));
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_script("t", "repeat 2\nrepeat 2\nend\nend\n")));
}

TEST(Script, ReportsTheLineOfAnError) {
  auto parsed = parse_script("s.xs", "a READ /x\\0\na FROB /x\\0\n");
  ASSERT_TRUE(std::holds_alternative<std::string>(parsed));
  EXPECT_EQ(std::get<std::string>(parsed), "s.xs:2: unknown message type FROB");
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_script("s", "a READ\n")));
  EXPECT_TRUE(std::holds_alternative<std::string>(parse_script("s", "a READ bogus=1 /x\n")));
}

TEST(RandomScript, SameSeedSameScriptAndItParses) {
  std::string one = generate_random_script(42, 300);
  EXPECT_EQ(one, generate_random_script(42, 300));
  EXPECT_NE(one, generate_random_script(43, 300));
  auto parsed = parse_script("random", one);
  ASSERT_TRUE(std::holds_alternative<Script>(parsed)) << std::get<std::string>(parsed);
  // One more when a transaction is still open at the end and must be closed.
  size_t requests = 0;
  size_t waits = 0;
  size_t sends = 0;
  for (const auto& step : std::get<Script>(parsed).steps) {
    requests += step.kind == StepKind::kRequest || step.kind == StepKind::kSend;
    waits += step.kind == StepKind::kWait;
    sends += step.kind == StepKind::kSend;
  }
  EXPECT_TRUE(requests == 300 || requests == 301) << requests;
  EXPECT_EQ(waits, sends);
  EXPECT_GT(sends, 0u);
}

// Pinned output: a seed must name the same script for every compiler and
// standard library (g++ and clang++ once disagreed on evaluation order).
TEST(RandomScript, SeedOneIsPinned) {
  EXPECT_EQ(generate_random_script(1, 14),
            "# random script, generated; regenerate with: xsdiff generate SEED N\n"
            "a MKDIR /r\\0\n"
            "b WATCH /r\\0all\\0\n"
            "c WATCH /r/x\\0x\\0\n"
            "c WATCH /r\\0tok0\\0\n"
            "a WRITE /r/z\\0with\\sspace\n"
            "d UNWATCH r/x\\0tok2\\0\n"
            "a UNWATCH /r/y\\0tok2\\0\n"
            "b WRITE /r/z\\00\n"
            "c RM /r/y\\0\n"
            "d DIRECTORY /r/y/x\\0\n"
            "d SET_PERMS /r/x\\0b3\\0\n"
            "c send DIRECTORY /r/x/y/z\\0\n"
            "c send WRITE /r/z/x\\0v\n"
            "c wait\n"
            "c wait\n"
            "c TRANSACTION_START =t1 \\0\n"
            "c TRANSACTION_END @t1 !transaction-event-order T\\0\n");
}

// The generator's rule: while a transaction is open, nothing outside it
// modifies the store, so its commit is defined in both daemons.
TEST(RandomScript, NoWritesOutsideAnOpenTransaction) {
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    auto parsed = parse_script("random", generate_random_script(seed, 300));
    ASSERT_TRUE(std::holds_alternative<Script>(parsed));
    bool open = false;
    for (const auto& step : std::get<Script>(parsed).steps) {
      if (step.type == XS_TRANSACTION_START) open = true;
      if (step.type == XS_TRANSACTION_END) open = false;
      bool modifies = step.type == XS_WRITE || step.type == XS_MKDIR || step.type == XS_RM ||
                      step.type == XS_SET_PERMS;
      if (open && modifies) {
        EXPECT_TRUE(step.tx.has_value()) << "seed " << seed << ": " << step.text;
      }
    }
    EXPECT_FALSE(open) << "seed " << seed << " leaves a transaction open";
  }
}

}  // namespace
}  // namespace xsdiff
