#include "cxxenstored/store/descent.h"

namespace cxxenstored::store {

Descent::Descent(const Node* root, std::string_view path) : path_(path), deepest_path_(path.substr(0, 1)) {
  push_back(root);
  const Node* node = root;
  std::size_t begin = 1;  // after the leading '/'
  while (begin < path.size()) {
    std::size_t slash = path.find('/', begin);
    if (slash == std::string_view::npos) slash = path.size();
    node = node->children().find_ptr(path.substr(begin, slash - begin));
    if (!node) break;
    push_back(node);
    deepest_path_ = path.substr(0, slash);
    begin = slash + 1;
  }
}

}  // namespace cxxenstored::store
