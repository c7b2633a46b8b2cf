// The xenstore permission model.
//
// A node's permission list is never empty. Entry 0 names the owner and the
// access everyone not listed later gets; entries 1.. grant access to single
// domains. Owners, privileged callers (dom0, the control domain) and a
// target's device model (set_target) get everything.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/smart_ptr/intrusive_ptr.hpp>
#include <boost/smart_ptr/intrusive_ref_counter.hpp>

#include "cxxenstored/store/path.h"
#include "cxxenstored/util/result.h"

namespace cxxenstored::store {

// Bit values match libxenstore's XS_PERM_* (xenstore_lib.h).
enum Access : std::uint8_t {
  kAccessNone = 0,
  kAccessRead = 1,
  kAccessWrite = 2,
  kAccessBoth = 3,
  kAccessOwner = 8,   // only ever in a computed grant, never stored
  kAccessIgnore = 16, // entry names a domain that is gone; skipped in checks
};

struct Perm {
  DomainId domain = 0;
  std::uint8_t access = kAccessNone;
  friend bool operator==(const Perm&, const Perm&) = default;
};

// An immutable list shared by every node that has it: children inherit their
// parent's list and path copies keep it, so a tree of a million nodes holds
// only as many lists as there were distinct SET_PERMS and creations.
class Permissions {
 public:
  Permissions();  // "n0": owned by dom0, no access for others
  explicit Permissions(std::vector<Perm> entries);  // entries must not be empty

  // Parses the wire form: "<n|r|w|b><domid>" strings, each NUL-terminated,
  // as libxenstore's xs_strings_to_perms reads them (domid via strtol base 0).
  static Result<Permissions> parse(std::string_view nul_separated, std::size_t count);
  // The wire form for GET_PERMS: each entry followed by a NUL.
  std::string to_wire() const;

  DomainId owner() const { return rep_->entries.front().domain; }
  const std::vector<Perm>& entries() const { return rep_->entries; }
  std::size_t size() const { return rep_->entries.size(); }

  // A copy with the owner replaced, keeping the rest (implicit creation).
  Permissions with_owner(DomainId owner) const;

  friend bool operator==(const Permissions& a, const Permissions& b) {
    return a.rep_ == b.rep_ || a.entries() == b.entries();
  }

 private:
  struct Rep : boost::intrusive_ref_counter<Rep, boost::thread_unsafe_counter> {
    std::vector<Perm> entries;
  };
  boost::intrusive_ptr<const Rep> rep_;
};

// Who is asking. Built by the connection layer from the domain table.
struct Caller {
  DomainId domain = 0;
  std::optional<DomainId> target;  // set by SET_TARGET: acts for this domain too
  bool privileged = true;          // dom0 and the control domain bypass checks
  bool read_only = false;          // a read-only socket: never gets write

  static Caller dom0() { return Caller{}; }
  static Caller guest(DomainId id) { return Caller{id, std::nullopt, false, false}; }
};

// The access the caller has to a node with these permissions: a combination
// of kAccessRead, kAccessWrite and kAccessOwner.
std::uint8_t access_for(const Caller& caller, const Permissions& perms);

// True when every bit of wanted is granted.
inline bool allows(const Caller& caller, const Permissions& perms, std::uint8_t wanted) {
  return (access_for(caller, perms) & wanted) == wanted;
}

}  // namespace cxxenstored::store
