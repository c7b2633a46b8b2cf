#include "cxxenstored/observability/access_log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace cxxenstored::observability {
namespace {

namespace fs = std::filesystem;

TEST(AccessLog, FormatsOneLinePerRequest) {
  AccessEntry e{3, 12, 2, "/local/domain/3/name", 0, std::chrono::microseconds(42)};
  EXPECT_EQ(AccessLog::format(e), "dom=3 conn=12 READ /local/domain/3/name -> OK 42us");
  e.error_code = ENOENT;
  e.argument = std::string_view("a\nb\0c", 5);
  EXPECT_EQ(AccessLog::format(e), "dom=3 conn=12 READ a\\x0ab\\x00c -> ENOENT 42us");
}

TEST(AccessLog, RotatesAtTheSizeLimit) {
  fs::path dir = fs::temp_directory_path() / ("access-log-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto log = AccessLog::open({(dir / "access.log").string(), 4096, 2});
  ASSERT_TRUE(log);
  AccessEntry e{0, 1, 11, "/some/path/written/often", 0, std::chrono::microseconds(7)};
  for (int i = 0; i < 1000; ++i) log->record(e);
  log->flush();
  EXPECT_TRUE(fs::exists(dir / "access.log"));
  EXPECT_TRUE(fs::exists(dir / "access.1.log"));
  EXPECT_TRUE(fs::exists(dir / "access.2.log"));
  EXPECT_FALSE(fs::exists(dir / "access.3.log"));
  std::uintmax_t total = 0;
  for (const auto& f : fs::directory_iterator(dir)) total += f.file_size();
  EXPECT_LE(total, 3u * 4096u);
  std::ifstream in(dir / "access.log");
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  EXPECT_NE(line.find(" dom=0 conn=1 WRITE /some/path/written/often -> OK 7us"), std::string::npos);
  fs::remove_all(dir);
}

TEST(AccessLog, OpenFailureIsAnError) {
  auto log = AccessLog::open({"/dev/null/access.log", 4096, 1});
  EXPECT_FALSE(log);
  EXPECT_FALSE(AccessLog::open({"", 4096, 1}));
}

}  // namespace
}  // namespace cxxenstored::observability
