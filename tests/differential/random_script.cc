#include "random_script.h"

#include <algorithm>
#include <array>
#include <optional>
#include <set>
#include <sstream>
#include <string_view>
#include <vector>

namespace xsdiff {
namespace {

// splitmix64: fully specified, unlike std:: distributions, so a seed names
// the same script everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  size_t below(size_t n) { return static_cast<size_t>(next() % n); }
  bool chance(int percent) { return below(100) < static_cast<size_t>(percent); }
  template <class C>
  const auto& pick(const C& items) { return items[below(items.size())]; }

 private:
  uint64_t state_;
};

constexpr std::array<std::string_view, 4> kConns{"a", "b", "c", "d"};
constexpr std::array<std::string_view, 3> kNames{"x", "y", "z"};
constexpr std::array<std::string_view, 6> kValues{"", "v", "hello", "0", "with\\sspace", "\\{100*q}"};
constexpr std::array<std::string_view, 8> kPerms{"n0\\0",    "r0\\0",     "w0\\0",       "b0\\0",
                                                 "n0\\0r0\\0", "b0\\0n0\\0", "n0\\0r5\\0w7\\0", "b3\\0"};
// Malformed paths mixed in now and then, each a documented error case.
constexpr std::array<std::string_view, 7> kBadPaths{"/r/", "/r//x", "r/x", "", "/r/x\\x01", "/", "/r/x/"};

class Generator {
 public:
  Generator(uint64_t seed, int operations) : rng_(seed), left_(operations) {}

  std::string run() {
    out_ << "# random script, generated; regenerate with: xsdiff generate SEED N\n";
    emit("a", "MKDIR /r\\0");
    // Standing watches, so most writes produce events somewhere.
    emit("b", "WATCH /r\\0all\\0");
    emit("c", "WATCH /r/x\\0x\\0");
    while (left_ > 0) {
      if (tx_conn_) {
        step_in_transaction();
      } else if (rng_.chance(8)) {
        start_transaction();
      } else if (tx_count_ > 0 && rng_.chance(2)) {
        stale_transaction_request();
      } else if (rng_.chance(4)) {
        pipelined_burst();
      } else {
        std::string conn(rng_.pick(kConns));
        emit(conn, random_request(true));
      }
    }
    if (tx_conn_) end_transaction();
    return out_.str();
  }

 private:
  std::string path() {
    if (rng_.chance(3)) return std::string(rng_.pick(kBadPaths));
    std::string p = "/r";
    // Shallow paths mostly, so operations meet the same nodes often.
    size_t depth = 1 + rng_.below(5) / 2;
    for (size_t i = 0; i < depth; ++i) p += "/" + std::string(rng_.pick(kNames));
    return p;
  }

  // A watch path: a node of the tree, /r itself, or a special path.
  std::string watch_path() {
    size_t kind = rng_.below(10);
    if (kind < 2) return "/r";
    if (kind == 2) return "@introduceDomain";
    if (kind == 3) return "@releaseDomain";
    if (kind == 4) return "r/" + std::string(rng_.pick(kNames));  // relative to /local/domain/0
    return path();
  }

  // Every draw is a statement of its own: the operands of + (and function
  // arguments) are evaluated in an unspecified order, which would make the
  // script depend on the compiler.
  std::string random_request(bool may_modify) {
    size_t roll = may_modify ? rng_.below(100) : rng_.below(45);
    if (roll < 41 && roll >= 33) {
      std::string watched = watch_path();
      size_t token = rng_.below(4);
      return "WATCH " + watched + "\\0tok" + std::to_string(token) + "\\0";
    }
    if (roll < 45 && roll >= 41) {
      std::string watched = watch_path();
      size_t token = rng_.below(4);
      return "UNWATCH " + watched + "\\0tok" + std::to_string(token) + "\\0";
    }
    if (roll >= 98) return "RESET_WATCHES ''";
    std::string node = (roll >= 78 && roll < 90 && rng_.chance(10)) ? std::string("/r") : path();
    if (roll < 14) return "READ " + node + "\\0";
    if (roll < 22) return "DIRECTORY " + node + "\\0";
    if (roll < 27) {
      size_t offset = rng_.below(3);
      return "DIRECTORY_PART " + node + "\\0" + std::to_string(offset) + "\\0";
    }
    if (roll < 33) return "GET_PERMS " + node + "\\0";
    if (roll < 70) return "WRITE " + node + "\\0" + std::string(rng_.pick(kValues));
    if (roll < 78) return "MKDIR " + node + "\\0";
    if (roll < 90) return "RM " + node + "\\0";
    return "SET_PERMS " + node + "\\0" + std::string(rng_.pick(kPerms));
  }

  // Requests sent back to back on one connection, then their replies read:
  // answered in order, each with the events it caused on that connection
  // before its reply. Each request works below a different child of /r, so
  // no two of them cause the same event: the C daemon drops an event that is
  // identical to one still queued for the connection, and whether the first
  // is still queued depends on timing.
  void pipelined_burst() {
    std::string conn(rng_.pick(kConns));
    size_t count = std::min<size_t>(2 + rng_.below(2), static_cast<size_t>(left_));
    std::vector<std::string_view> firsts(kNames.begin(), kNames.end());
    for (size_t i = 0; i < count; ++i) {
      size_t chosen = rng_.below(firsts.size());
      std::string request = burst_request(firsts[chosen]);
      firsts.erase(firsts.begin() + static_cast<std::ptrdiff_t>(chosen));
      out_ << conn << " send " << request << "\n";
      --left_;
    }
    for (size_t i = 0; i < count; ++i) out_ << conn << " wait\n";
  }

  std::string burst_request(std::string_view first) {
    std::string node = "/r/" + std::string(first);
    size_t extra = rng_.below(3);
    for (size_t i = 0; i < extra; ++i) node += "/" + std::string(rng_.pick(kNames));
    size_t roll = rng_.below(8);
    switch (roll) {
      case 0: return "READ " + node + "\\0";
      case 1: return "DIRECTORY " + node + "\\0";
      case 2: return "GET_PERMS " + node + "\\0";
      case 3: return "MKDIR " + node + "\\0";
      case 4: return "RM " + node + "\\0";
      case 5: return "SET_PERMS " + node + "\\0" + std::string(rng_.pick(kPerms));
      default: return "WRITE " + node + "\\0" + std::string(rng_.pick(kValues));
    }
  }

  void emit(const std::string& conn, const std::string& request) {
    out_ << conn << " " << request << "\n";
    --left_;
  }

  // Only one transaction is open at a time, and while it is open nobody
  // modifies the store outside it: its commit then succeeds in the C daemon
  // and in cxxenstored, so both outcomes are defined and comparable.
  void start_transaction() {
    tx_conn_ = std::string(rng_.pick(kConns));
    tx_name_ = "t" + std::to_string(++tx_count_);
    tx_ops_ = 1 + rng_.below(8);
    emit(*tx_conn_, "TRANSACTION_START =" + tx_name_ + " \\0");
  }

  void step_in_transaction() {
    if (tx_ops_ == 0) {
      end_transaction();
      return;
    }
    --tx_ops_;
    if (rng_.chance(4)) {
      // Operations that never touch the store still look their tx_id up.
      emit(*tx_conn_, insert_tx(non_store_request()));
    } else if (rng_.chance(70)) {
      emit(*tx_conn_, insert_tx(random_request(true)));
    } else {
      std::string conn(rng_.pick(kConns));
      emit(conn, random_request(false));
    }
  }

  std::string insert_tx(const std::string& request) {
    size_t space = request.find(' ');
    return request.substr(0, space) + " @" + tx_name_ + request.substr(space);
  }

  std::string non_store_request() {
    size_t kind = rng_.below(3);
    if (kind == 0) return "GET_DOMAIN_PATH 3\\0";
    if (kind == 1) return "IS_DOMAIN_INTRODUCED 0\\0";
    return "RESET_WATCHES ''";
  }

  // A request naming the last transaction after it ended (none is open
  // now, on any connection): ENOENT, whatever the request, and no effect.
  void stale_transaction_request() {
    std::string conn(rng_.pick(kConns));
    std::string request = rng_.chance(30) ? non_store_request() : random_request(true);
    emit(conn, insert_tx(request));
  }

  void end_transaction() {
    // Commit events are compared, but their order is a known difference
    // (docs/compatibility.md, transaction-event-order).
    emit(*tx_conn_, "TRANSACTION_END @" + tx_name_ + " !transaction-event-order" +
                        (rng_.chance(80) ? " T\\0" : " F\\0"));
    tx_conn_.reset();
  }

  Rng rng_;
  int left_;
  std::ostringstream out_;
  std::optional<std::string> tx_conn_;
  std::string tx_name_;
  size_t tx_ops_ = 0;
  int tx_count_ = 0;
};

}  // namespace

std::string generate_random_script(uint64_t seed, int operations) {
  return Generator(seed, operations).run();
}

}  // namespace xsdiff
