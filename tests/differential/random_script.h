// Seeded generator of random differential scripts: operations over several
// connections on a small tree, with watches and transactions, chosen so that
// the C daemon's outcome is fully defined (see scripts/README.md, "Random
// scripts").
#pragma once

#include <cstdint>
#include <string>

namespace xsdiff {

// Returns script text with `operations` request lines (one more when the
// last transaction must still be ended). Same seed, same text,
// whatever the compiler or standard library.
std::string generate_random_script(uint64_t seed, int operations);

}  // namespace xsdiff
