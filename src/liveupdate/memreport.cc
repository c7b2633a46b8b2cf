#include "cxxenstored/liveupdate/memreport.h"

#include <algorithm>
#include <vector>

#include "cxxenstored/store/node.h"

namespace cxxenstored::liveupdate {

StoreFootprint measure_store(const store::Store& store) {
  StoreFootprint f;
  // Iterative walk: a deep tree must not exhaust the stack.
  std::vector<std::pair<const store::Node*, std::size_t>> todo{{store.root().get(), 0}};
  while (!todo.empty()) {
    const store::Node* node = todo.back().first;
    const std::size_t depth = todo.back().second;  // not a structured binding: lambdas capture it
    todo.pop_back();
    ++f.nodes;
    f.name_bytes += node->name().size() + 1;
    f.value_bytes += node->value().size();
    f.perm_entries += node->perms().size();
    f.largest_value = std::max(f.largest_value, node->value().size());
    f.max_depth = std::max(f.max_depth, depth);
    node->children().for_each([&](const store::NodePtr& child) {
      todo.emplace_back(child.get(), depth + 1);
    });
  }
  return f;
}

std::string format_memreport(const StoreFootprint& f, const std::string& daemon_lines) {
  std::string out = "Memory report:\n";
  auto line = [&out](const char* name, std::size_t value) {
    out += name;
    out += ": ";
    out += std::to_string(value);
    out += '\n';
  };
  line("nodes", f.nodes);
  line("node name bytes", f.name_bytes);
  line("node value bytes", f.value_bytes);
  line("permission entries", f.perm_entries);
  line("largest value", f.largest_value);
  line("tree depth", f.max_depth);
  out += daemon_lines;
  return out;
}

}  // namespace cxxenstored::liveupdate
