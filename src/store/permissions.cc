#include "cxxenstored/store/permissions.h"

#include <cerrno>
#include <cstdlib>
#include <string>

namespace cxxenstored::store {

Permissions::Permissions() : Permissions(std::vector<Perm>{Perm{0, kAccessNone}}) {}

Permissions::Permissions(std::vector<Perm> entries) {
  auto rep = boost::intrusive_ptr<Rep>(new Rep);
  rep->entries = std::move(entries);
  if (rep->entries.empty()) rep->entries.push_back(Perm{});
  rep_ = std::move(rep);
}

Result<Permissions> Permissions::parse(std::string_view nul_separated, std::size_t count) {
  std::vector<Perm> entries;
  entries.reserve(count);
  std::size_t pos = 0;
  for (std::size_t i = 0; i < count; ++i) {
    if (pos >= nul_separated.size()) return Error{EINVAL};
    std::size_t end = nul_separated.find('\0', pos);
    if (end == std::string_view::npos) end = nul_separated.size();
    std::string entry(nul_separated.substr(pos, end - pos));
    pos = end + 1;
    Perm perm;
    switch (entry.empty() ? '\0' : entry[0]) {
      case 'r': perm.access = kAccessRead; break;
      case 'w': perm.access = kAccessWrite; break;
      case 'b': perm.access = kAccessBoth; break;
      case 'n': perm.access = kAccessNone; break;
      default: return Error{EINVAL};
    }
    // libxenstore reads the id with strtol(base 0) and needs at least one
    // character and nothing unparsed after it; a negative id wraps, as there.
    const char* digits = entry.c_str() + 1;
    if (*digits == '\0') return Error{EINVAL};
    char* rest = nullptr;
    long id = std::strtol(digits, &rest, 0);
    if (*rest != '\0') return Error{EINVAL};
    perm.domain = static_cast<DomainId>(id);
    entries.push_back(perm);
  }
  if (entries.empty()) return Error{EINVAL};
  return Permissions(std::move(entries));
}

std::string Permissions::to_wire() const {
  std::string out;
  for (const Perm& p : entries()) {
    switch (p.access & kAccessBoth) {
      case kAccessRead: out += 'r'; break;
      case kAccessWrite: out += 'w'; break;
      case kAccessBoth: out += 'b'; break;
      default: out += 'n'; break;
    }
    out += std::to_string(p.domain);
    out += '\0';
  }
  return out;
}

Permissions Permissions::with_owner(DomainId owner) const {
  if (owner == this->owner()) return *this;
  std::vector<Perm> entries = this->entries();
  entries.front().domain = owner;
  return Permissions(std::move(entries));
}

std::uint8_t access_for(const Caller& caller, const Permissions& perms) {
  constexpr std::uint8_t kAll = kAccessRead | kAccessWrite | kAccessOwner;
  std::uint8_t granted;
  const auto acts_for = [&caller](DomainId id) {
    return id == caller.domain || (caller.target && id == *caller.target);
  };
  if (caller.privileged || acts_for(perms.owner())) {
    granted = kAll;
  } else {
    granted = perms.entries().front().access & kAll;
    const auto& entries = perms.entries();
    for (std::size_t i = 1; i < entries.size(); ++i) {
      if (!(entries[i].access & kAccessIgnore) && acts_for(entries[i].domain)) {
        granted = entries[i].access & kAll;
        break;
      }
    }
  }
  if (caller.read_only) granted &= static_cast<std::uint8_t>(~kAccessWrite);
  return granted;
}

}  // namespace cxxenstored::store
