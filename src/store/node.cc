#include "cxxenstored/store/node.h"

namespace cxxenstored::store {

NodePtr Node::with_value(std::string value, std::uint64_t stamp) const {
  Stamps stamps = stamps_;
  stamps.value = stamp;
  return make_node(name_, std::move(value), perms_, children_, stamps);
}

NodePtr Node::with_perms(Permissions perms, std::uint64_t stamp) const {
  Stamps stamps = stamps_;
  stamps.perms = stamp;
  return make_node(name_, value_, std::move(perms), children_, stamps);
}

NodePtr Node::with_child(NodePtr child, std::uint64_t stamp) const {
  Stamps stamps = stamps_;
  ChildMap children = children_.with(std::move(child));
  if (children.size() != children_.size()) stamps.children = stamp;
  return make_node(name_, value_, perms_, std::move(children), stamps);
}

NodePtr Node::without_child(std::string_view name, std::uint64_t stamp) const {
  Stamps stamps = stamps_;
  stamps.children = stamp;
  return make_node(name_, value_, perms_, children_.without(name), stamps);
}

}  // namespace cxxenstored::store
