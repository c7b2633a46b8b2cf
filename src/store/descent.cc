#include "cxxenstored/store/descent.h"

#include "cxxenstored/store/path.h"

namespace cxxenstored::store {

Descent::Descent(const Node* root, std::string_view path) : path_(path), deepest_path_(path.substr(0, 1)) {
  push_back(root);
  const Node* node = root;
  PathComponents components(path);
  std::string_view name;
  while (components.next(&name)) {
    node = node->children().find_ptr(name);
    if (!node) break;
    push_back(node);
    // name is a view into path: the deepest path found ends where it ends.
    deepest_path_ = path.substr(0, static_cast<std::size_t>(name.data() + name.size() - path.data()));
  }
}

}  // namespace cxxenstored::store
