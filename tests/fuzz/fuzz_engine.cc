// libFuzzer target for the request engine: each input is a sequence of
// requests from several sessions (two dom0 connections, guests 5 and 6, and
// guest 7 which the input may make 5's device model with SET_TARGET), built
// from a dictionary of paths/arguments and raw bytes, with transactions,
// watches, domain operations and connections that die mid-way.
//
// Quotas are set low so that inputs reach every limit.
//
// Checked after every request: exactly one reply, with the request's req_id,
// its type or XS_ERROR carrying a known errno name, payload within
// XENSTORE_PAYLOAD_MAX; no guest above its node, watch or transaction quota.
// After the input: per-domain node counts equal a recount of the tree
// (check_store), and closing every session leaves no watch or transaction.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "cxxenstored/protocol/errors.h"
#include "engine_harness.h"

namespace {

using namespace cxxenstored;
using hostile::EngineHarness;
using protocol::Message;
using protocol::SessionId;

#define FUZZ_CHECK(cond)                                                                     \
  do {                                                                                       \
    if (!(cond)) {                                                                           \
      __builtin_fprintf(stderr, "invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                          \
    }                                                                                        \
  } while (0)

class Input {
 public:
  explicit Input(std::string_view d) : data_(d) {}
  bool empty() const { return data_.empty(); }
  unsigned byte() {
    if (data_.empty()) return 0;
    unsigned b = static_cast<unsigned char>(data_[0]);
    data_.remove_prefix(1);
    return b;
  }
  std::string_view bytes(std::size_t n) {
    n = std::min(n, data_.size());
    std::string_view out = data_.substr(0, n);
    data_.remove_prefix(n);
    return out;
  }

 private:
  std::string_view data_;
};

constexpr std::string_view kWords[] = {
    "/", "/tool", "/tool/xenstored", "/local", "/local/domain", "/local/domain/5",
    "/local/domain/5/a", "/local/domain/5/a/b", "/local/domain/6", "/local/domain/6/x",
    "/local/domain/7", "a", "a/b", "a/b/c", "x", "@introduceDomain", "@releaseDomain", "@other",
    "", "..", "/a//b", "/a/", "n5", "r6", "b7", "w0", "n0", "b5", "r0", "T", "F", "0", "5", "6",
    "7", "9", "4096", "1", "-1", "nodes", "watches", "transactions", "node-size", "permissions",
    "transaction-nodes", "quota", "check", "help", "tok", "t2"};
constexpr std::size_t kWordCount = sizeof kWords / sizeof kWords[0];

constexpr std::uint32_t kTypes[] = {
    XS_CONTROL, XS_DIRECTORY, XS_READ, XS_GET_PERMS, XS_WATCH, XS_UNWATCH,
    XS_TRANSACTION_START, XS_TRANSACTION_END, XS_INTRODUCE, XS_RELEASE, XS_GET_DOMAIN_PATH,
    XS_WRITE, XS_MKDIR, XS_RM, XS_SET_PERMS, XS_WATCH_EVENT, XS_ERROR, XS_IS_DOMAIN_INTRODUCED,
    XS_RESUME, XS_SET_TARGET, XS_RESET_WATCHES, XS_DIRECTORY_PART, protocol::kGetFeature,
    protocol::kSetFeature, protocol::kGetQuota, protocol::kSetQuota, 99,
    // Weighted: the node operations again.
    XS_WRITE, XS_WRITE, XS_READ, XS_RM, XS_MKDIR, XS_WATCH, XS_TRANSACTION_START,
    XS_TRANSACTION_END, XS_SET_PERMS, XS_DIRECTORY};
constexpr std::size_t kTypeCount = sizeof kTypes / sizeof kTypes[0];

const std::set<std::string> kErrnoNames = {
    "EINVAL", "EACCES", "EEXIST", "EISDIR", "ENOENT", "ENOMEM", "ENOSPC", "EIO", "ENOTEMPTY",
    "ENOSYS", "EROFS", "EBUSY", "EAGAIN", "EISCONN", "E2BIG", "EPERM", "EQUOTA"};

struct Participant {
  store::DomainId domain;
  bool privileged;
  SessionId session = 0;
  std::vector<std::uint32_t> transactions;  // ids the engine handed out
  // The highest node quota the domain has been under: SET_QUOTA may lower
  // it below what the domain owns already, which keeps those nodes (as in
  // the C daemon) and only refuses new ones.
  std::int64_t node_ceiling = 0;
};

std::string build_payload(Input& in) {
  std::string payload;
  const unsigned shape = in.byte();
  const unsigned fields = shape % 5;
  for (unsigned i = 0; i < fields; ++i) {
    const unsigned pick = in.byte();
    if (pick < 200) {
      payload.append(kWords[pick % kWordCount]);
    } else {
      payload.append(in.bytes(in.byte() % 64));
    }
    if (i + 1 < fields || !(shape & 0x80)) payload.push_back('\0');
  }
  // Sometimes a long value (node-size quota, E2BIG listings).
  if (shape & 0x40) payload.append(std::string(in.byte() * 16, 'v'));
  return payload;
}

void check_reply(const Message& request, const Message& reply) {
  FUZZ_CHECK(reply.header.type != 0xFFFFFFFFu);  // exactly one reply came
  FUZZ_CHECK(reply.header.req_id == request.header.req_id);
  FUZZ_CHECK(reply.payload.size() <= protocol::kPayloadMax);
  FUZZ_CHECK(reply.header.len == 0 || reply.header.len == reply.payload.size());
  if (reply.header.type == XS_ERROR) {
    FUZZ_CHECK(!reply.payload.empty() && reply.payload.back() == '\0');
    FUZZ_CHECK(kErrnoNames.count(reply.payload.substr(0, reply.payload.size() - 1)) == 1);
  } else {
    FUZZ_CHECK(reply.header.type == request.header.type);
  }
}

// FUZZ_ENGINE_TRACE=1 prints every request and reply (to turn a crashing
// input into a regression test).
bool tracing() {
  static const bool on = [] {
    const char* v = std::getenv("FUZZ_ENGINE_TRACE");
    return v != nullptr && *v == '1';
  }();
  return on;
}

std::string printable(std::string_view bytes) {
  std::string out;
  if (bytes.size() > 60) bytes = bytes.substr(0, 60);
  for (char c : bytes) {
    if (c == '\0') out += "\\0";
    else if (c >= 32 && c < 127) out.push_back(c);
    else out += "\\x" + std::string(1, "0123456789abcdef"[(c >> 4) & 15]) + "0123456789abcdef"[c & 15];
  }
  return out;
}

void check_quotas(EngineHarness& h, std::vector<Participant>& people) {
  for (Participant& p : people) {
    if (p.privileged) continue;
    FUZZ_CHECK(h.store.usage().nodes(p.domain) <= p.node_ceiling + 1);
    p.node_ceiling = std::max(p.node_ceiling, static_cast<std::int64_t>(h.store.quotas().nodes_for(p.domain)));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* bytes, std::size_t size) {
  Input in(std::string_view(reinterpret_cast<const char*>(bytes), size));
  store::Quotas quotas;
  quotas.nodes_per_domain = 30;
  quotas.node_size = 300;
  quotas.perms_per_node = 3;
  quotas.transaction_nodes = 20;
  protocol::Limits limits;
  limits.watches_per_domain = 8;
  limits.transactions_per_domain = 3;
  EngineHarness h(quotas, limits);

  std::vector<Participant> people = {{0, true}, {0, true}, {5, false}, {6, false}, {7, false}};
  auto open = [&](Participant& p) {
    p.session = p.privileged ? h.open_dom0() : h.open_guest(p.domain);
    p.transactions.clear();
  };
  for (Participant& p : people) {
    open(p);
    p.node_ceiling = static_cast<std::int64_t>(quotas.nodes_for(p.domain));
  }
  // The guests exist and own their homes, as after a toolstack's domain build.
  for (store::DomainId d : {5u, 6u, 7u}) {
    const std::string ds = std::to_string(d);
    h.call(people[0].session, XS_INTRODUCE, hostile::nul_join({ds, "4096", "1"}));
    h.write(people[0].session, store::home_path(d), "");
    h.call(people[0].session, XS_SET_PERMS, hostile::nul_join({store::home_path(d), "n" + ds}));
  }
  const auto watch_limit = limits.watches_per_domain;

  std::uint32_t req_id = 1000;
  for (int steps = 0; !in.empty() && steps < 256; ++steps) {
    const unsigned who = in.byte();
    Participant& p = people[who % people.size()];
    if (who >= 248) {  // the connection dies (with whatever it had open)
      if (tracing()) __builtin_fprintf(stderr, "close session of domain %u\n", p.domain);
      h.close(p.session);
      open(p);
      continue;
    }
    Message request;
    request.header.type = kTypes[in.byte() % kTypeCount];
    request.header.req_id = ++req_id;
    const unsigned tx_pick = in.byte();
    if (tx_pick >= 128 && !p.transactions.empty()) {
      request.header.tx_id = p.transactions[tx_pick % p.transactions.size()];
    } else if (tx_pick >= 120) {
      request.header.tx_id = tx_pick;  // unknown or another session's id
    }
    request.payload = build_payload(in);
#ifndef CXXENSTORED_FUZZ_KNOWN_CRASHES
    // Finding 1 (docs/security.md): GET_QUOTA with a payload without any NUL
    // reads strings.back() of an empty vector in Engine::do_get_quota. Kept
    // out of the search until fixed so that the fuzzer looks for new bugs;
    // tests/hostile/engine_crash_regression_test.cc holds the regression test.
    if (request.header.type == protocol::kGetQuota &&
        request.payload.find('\0') == std::string::npos)
      continue;
    // Finding 2: "/" given to a guest by SET_PERMS keeps that owner after the
    // guest is released (Store::release_domain skips the root), so the
    // accounting no longer matches the tree. Regression test:
    // FuzzRegression.RootOwnedByAReleasedDomain.
    if (request.header.type == XS_SET_PERMS && request.payload.rfind(std::string("/\0"), 0) == 0)
      continue;
#endif
    request.header.len = static_cast<std::uint32_t>(request.payload.size());

    auto& queue = h.outbox.queue(p.session);
    const std::size_t before = queue.size();
    h.engine.handle(p.session, request);
    // Exactly one reply with our req_id (watch events have req_id 0).
    const Message* reply = nullptr;
    int replies = 0;
    for (std::size_t i = before; i < queue.size(); ++i) {
      if (queue[i].header.type != XS_WATCH_EVENT && queue[i].header.req_id == req_id) {
        reply = &queue[i];
        ++replies;
      }
    }
    if (tracing() && reply != nullptr) {
      __builtin_fprintf(stderr, "dom%u type %u tx %u \"%s\" -> type %u \"%s\"\n", p.domain,
                        request.header.type, request.header.tx_id, printable(request.payload).c_str(),
                        reply->header.type, printable(reply->payload).c_str());
    }
    FUZZ_CHECK(replies == 1);
    check_reply(request, *reply);
    if (request.header.type == XS_TRANSACTION_START && reply->header.type != XS_ERROR)
      p.transactions.push_back(static_cast<std::uint32_t>(std::strtoul(reply->payload.c_str(), nullptr, 10)));
    for (auto& other : people) h.outbox.queue(other.session).clear();
    check_quotas(h, people);
    for (const Participant& q : people) {
      if (q.privileged) continue;
      FUZZ_CHECK(h.engine.watches_of_domain(q.domain) <= watch_limit + 1 ||
                 h.limits.watches_per_domain != watch_limit);
    }
  }

  // Node accounting equals a recount of the tree.
  auto problems = h.check();
  if (!problems.empty()) {
    for (const auto& text : problems) __builtin_fprintf(stderr, "check: %s\n", text.c_str());
    FUZZ_CHECK(problems.empty());
  }
  for (Participant& p : people) h.close(p.session);
  FUZZ_CHECK(h.watches.total() == 0);
  FUZZ_CHECK(h.engine.session_count() == 0);
  return 0;
}
