#include "engine_harness.h"

#include <algorithm>
#include <cstdlib>
#include <functional>

#include "cxxenstored/protocol/errors.h"
#include "cxxenstored/store/path.h"

namespace cxxenstored::hostile {

void GuestDomainTable::detach_session(SessionId session) {
  for (auto& [domain, list] : sessions_) std::erase(list, session);
}

Result<bool> GuestDomainTable::introduce(DomainId domain, std::uint64_t, std::uint32_t) {
  // The C daemon rejects an event channel of 0 before it gets here (the
  // engine parses it); everything else maps in this table.
  return introduced_.insert(domain).second;
}

Result<void> GuestDomainTable::release(DomainId domain) {
  if (introduced_.erase(domain) == 0) return Error{ENOENT};
  sessions_.erase(domain);
  features_.erase(domain);
  return {};
}

Result<void> GuestDomainTable::resume(DomainId domain) {
  if (!is_introduced(domain)) return Error{ENOENT};
  return {};
}

Result<void> GuestDomainTable::set_target(DomainId domain, DomainId target) {
  if (!is_introduced(domain) || !is_introduced(target)) return Error{ENOENT};
  return {};
}

std::vector<SessionId> GuestDomainTable::connections_of(DomainId domain) const {
  auto it = sessions_.find(domain);
  return it == sessions_.end() ? std::vector<SessionId>{} : it->second;
}

std::optional<std::uint32_t> GuestDomainTable::features(DomainId domain) const {
  if (!is_introduced(domain)) return std::nullopt;
  auto it = features_.find(domain);
  return it == features_.end() ? protocol::kServerFeatures : it->second;
}

Result<void> GuestDomainTable::set_features(DomainId domain, std::uint32_t features) {
  if (!is_introduced(domain)) return Error{ENOENT};
  features_[domain] = features;
  return {};
}

std::size_t RecordingOutbox::total_bytes(SessionId session) const {
  auto it = queues_.find(session);
  if (it == queues_.end()) return 0;
  std::size_t total = 0;
  for (const Message& m : it->second) total += protocol::kHeaderSize + m.payload.size();
  return total;
}

EngineHarness::EngineHarness(store::Quotas quotas, protocol::Limits l)
    : store(quotas), limits(l), engine(store, watches, domains, control, limits, outbox) {
  protocol::register_builtin_controls(
      control, protocol::ControlEnvironment{
                   store, limits, engine, [](std::string_view) {},
                   [](bool) -> Result<void> { return {}; },
                   [](std::string_view) -> Result<void> { return {}; }});
}

SessionId EngineHarness::open_dom0() {
  SessionId id = next_session_++;
  engine.open_session(id, store::Caller::dom0());
  domains.attach_session(0, id);
  return id;
}

SessionId EngineHarness::open_guest(DomainId domain) {
  SessionId id = next_session_++;
  engine.open_session(id, store::Caller::guest(domain));
  domains.attach_session(domain, id);
  return id;
}

void EngineHarness::close(SessionId session) {
  engine.close_session(session);
  domains.detach_session(session);
}

Message EngineHarness::request(SessionId session, std::uint32_t type, std::string_view payload,
                               std::uint32_t tx_id) {
  Message m;
  m.header.type = type;
  m.header.req_id = next_req_id_++;
  m.header.tx_id = tx_id;
  m.header.len = static_cast<std::uint32_t>(payload.size());
  m.payload.assign(payload);
  auto& queue = outbox.queue(session);
  const std::size_t before = queue.size();
  engine.handle(session, m);
  // The reply is the one message carrying our req_id (a WATCH's initial
  // event follows its ack, with req_id 0).
  for (std::size_t i = before; i < queue.size(); ++i) {
    if (queue[i].header.type != XS_WATCH_EVENT && queue[i].header.req_id == m.header.req_id) {
      Message reply = queue[i];
      queue.erase(queue.begin() + static_cast<std::ptrdiff_t>(i));
      return reply;
    }
  }
  Message none;
  none.header.type = 0xFFFFFFFFu;
  none.payload = "<no reply>";
  return none;
}

std::string EngineHarness::call(SessionId session, std::uint32_t type, std::string_view payload,
                                std::uint32_t tx_id) {
  Message reply = request(session, type, payload, tx_id);
  if (reply.header.type == XS_ERROR) {
    std::string name = reply.payload;
    if (!name.empty() && name.back() == '\0') name.pop_back();
    return "E:" + name;
  }
  return reply.payload;
}

std::vector<std::string> EngineHarness::events(SessionId session) {
  std::vector<std::string> out;
  auto& queue = outbox.queue(session);
  for (auto it = queue.begin(); it != queue.end();) {
    if (it->header.type == XS_WATCH_EVENT) {
      std::string p = it->payload;
      std::replace(p.begin(), p.end(), '\0', '|');
      if (!p.empty() && p.back() == '|') p.pop_back();
      out.push_back(std::move(p));
      it = queue.erase(it);
    } else {
      ++it;
    }
  }
  return out;
}

std::string EngineHarness::write(SessionId s, std::string_view path, std::string_view value,
                                 std::uint32_t tx) {
  std::string payload(path);
  payload.push_back('\0');
  payload.append(value);
  return call(s, XS_WRITE, payload, tx);
}

std::string EngineHarness::read(SessionId s, std::string_view path, std::uint32_t tx) {
  return call(s, XS_READ, nul_join({path}), tx);
}

std::uint32_t EngineHarness::start_transaction(SessionId s) {
  std::string reply = call(s, XS_TRANSACTION_START, std::string_view("\0", 1));
  if (reply.rfind("E:", 0) == 0) return 0;
  return static_cast<std::uint32_t>(std::strtoul(reply.c_str(), nullptr, 10));
}

std::string EngineHarness::dump() const {
  std::string out;
  std::function<void(const store::NodePtr&, const std::string&)> walk =
      [&](const store::NodePtr& node, const std::string& path) {
        out += path + "=" + std::string(node->value()) + " " + node->perms().to_wire() + "\n";
        // Sorted by name: the dump compares trees, not creation histories.
        std::vector<store::NodePtr> children;
        node->children().for_each([&](const store::NodePtr& child) { children.push_back(child); });
        std::sort(children.begin(), children.end(),
                  [](const store::NodePtr& a, const store::NodePtr& b) { return a->name() < b->name(); });
        for (const store::NodePtr& child : children) walk(child, store::join_path(path, child->name()));
      };
  walk(store.root(), "/");
  return out;
}

std::string nul_join(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (std::string_view p : parts) {
    out.append(p);
    out.push_back('\0');
  }
  return out;
}

}  // namespace cxxenstored::hostile
