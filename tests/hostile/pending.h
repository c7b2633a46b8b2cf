// Tests of behaviour the daemon does not have yet. They are written in full
// and skipped with "needs: <what>" (the change the daemon needs), unless
// CXXENSTORED_HOSTILE_PENDING=1 is set: then they run and show the failure,
// which is how whoever implements the change checks it.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string_view>

namespace cxxenstored::hostile {

inline bool run_pending_tests() {
  const char* v = std::getenv("CXXENSTORED_HOSTILE_PENDING");
  return v != nullptr && std::string_view(v) == "1";
}

}  // namespace cxxenstored::hostile

#define HOSTILE_NEEDS(what)                                         \
  do {                                                              \
    if (!::cxxenstored::hostile::run_pending_tests())               \
      GTEST_SKIP() << "needs: " << (what);                          \
  } while (0)
