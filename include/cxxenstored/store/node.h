// One immutable node of the persistent tree.
//
// Nodes are never modified after construction: an update builds new nodes
// along the path from the root to the change and shares everything else, so
// a transaction's snapshot is just a root pointer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include <boost/smart_ptr/intrusive_ptr.hpp>
#include <boost/smart_ptr/intrusive_ref_counter.hpp>

#include "cxxenstored/store/child_map.h"
#include "cxxenstored/store/permissions.h"

namespace cxxenstored::store {

// Content identities. Each is a value from the store's stamp counter, taken
// when that part of the node last changed; a new node gets new stamps for
// all of them. Two nodes with the same stamp have the same content, so a
// transaction checks what it read by comparing stamps, and a change deep in
// a subtree (which copies every node on the path) changes no ancestor's stamps.
struct Stamps {
  std::uint64_t value = 0;     // last change of the value
  std::uint64_t perms = 0;     // last change of the permissions
  std::uint64_t children = 0;  // last change of the set of child names
};

class Node : public boost::intrusive_ref_counter<Node, boost::thread_unsafe_counter> {
 public:
  Node(std::string name, std::string value, Permissions perms, ChildMap children, Stamps stamps)
      : name_(std::move(name)), value_(std::move(value)), perms_(std::move(perms)),
        children_(std::move(children)), stamps_(stamps) {}

  const std::string& name() const { return name_; }
  const std::string& value() const { return value_; }
  const Permissions& perms() const { return perms_; }
  const ChildMap& children() const { return children_; }
  const Stamps& stamps() const { return stamps_; }

  NodePtr child(std::string_view name) const { return children_.find(name); }

  // Copies with one part replaced; the caller supplies the new stamp.
  NodePtr with_value(std::string value, std::uint64_t stamp) const;
  NodePtr with_perms(Permissions perms, std::uint64_t stamp) const;
  // Replaces or adds a child. stamp is used only when the child is new
  // (the set of names changes); replacing an existing child keeps stamps.
  NodePtr with_child(NodePtr child, std::uint64_t stamp) const;
  NodePtr without_child(std::string_view name, std::uint64_t stamp) const;

 private:
  std::string name_;
  std::string value_;
  Permissions perms_;
  ChildMap children_;
  Stamps stamps_;
};

template <class... Args>
NodePtr make_node(Args&&... args) {
  return NodePtr(new Node(std::forward<Args>(args)...));
}

}  // namespace cxxenstored::store
