#include "cxxenstored/store/descent.h"

namespace cxxenstored::store {

Descent::Descent(const Node* root, std::string_view path) : path_(path), deepest_path_(path.substr(0, 1)) {
  push_back(root);
  std::size_t begin = 1;  // after the leading '/'
  while (begin < path.size()) {
    std::size_t slash = path.find('/', begin);
    if (slash == std::string_view::npos) slash = path.size();
    const Node* child = deepest()->children().find_ptr(path.substr(begin, slash - begin));
    if (!child) break;
    push_back(child);
    deepest_path_ = path.substr(0, slash);
    begin = slash + 1;
  }
}

void Descent::push_back(const Node* node) {
  if (size_ < kInline) {
    inline_[size_] = node;
  } else {
    overflow_.push_back(node);
  }
  ++size_;
}

}  // namespace cxxenstored::store
