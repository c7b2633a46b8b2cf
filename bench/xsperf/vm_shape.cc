#include "vm_shape.h"

#include <cstdio>
#include <set>

namespace xsperf {

namespace {

std::string uuid_for(unsigned domid) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "6b1d8f2e-4c3a-4f7e-9a10-%012x", domid);
  return buf;
}

std::string mac_for(unsigned domid) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "00:16:3e:%02x:%02x:%02x", (domid >> 16) & 0xff, (domid >> 8) & 0xff,
                domid & 0xff);
  return buf;
}

// Adds nodes so that every node's parent exists first; an implicit parent
// (which a write would create anyway) is listed explicitly with an empty
// value, so the list length is exactly the number of nodes created.
class TreeBuilder {
 public:
  explicit TreeBuilder(std::set<std::string> existing) : known_(std::move(existing)) {}

  void add(const std::string& path, std::string value, std::vector<std::string> perms = {}) {
    ensure_parent(path);
    if (known_.insert(path).second) nodes_.push_back({path, std::move(value), std::move(perms)});
  }

  std::vector<VmNode> take() { return std::move(nodes_); }

 private:
  void ensure_parent(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == 0 || slash == std::string::npos) return;
    const std::string parent = path.substr(0, slash);
    if (!known_.count(parent)) add(parent, "");
  }

  std::set<std::string> known_;
  std::vector<VmNode> nodes_;
};

}  // namespace

std::vector<std::string> vm_shared_parents() {
  return {"/local/domain/0/backend/vbd", "/local/domain/0/backend/vif", "/vm", "/libxl"};
}

std::vector<std::string> vm_roots(unsigned domid) {
  const std::string d = std::to_string(domid);
  return {"/local/domain/" + d, "/local/domain/0/backend/vbd/" + d, "/local/domain/0/backend/vif/" + d,
          "/vm/" + uuid_for(domid), "/libxl/" + d};
}

std::vector<VmNode> libxl_domain_nodes(unsigned domid) {
  std::set<std::string> existing{"/local", "/local/domain", "/local/domain/0", "/local/domain/0/backend"};
  for (const auto& p : vm_shared_parents()) existing.insert(p);
  TreeBuilder b(std::move(existing));

  const std::string d = std::to_string(domid);
  const std::string dom = "/local/domain/" + d;
  const std::string vm = "/vm/" + uuid_for(domid);
  const std::string libxl = "/libxl/" + d;
  const std::string vbd_be = "/local/domain/0/backend/vbd/" + d + "/51712";
  const std::string vif_be = "/local/domain/0/backend/vif/" + d + "/0";
  const std::vector<std::string> ro{"n0", "r" + d};  // dom0 owns, guest reads
  const std::vector<std::string> rw{"n" + d};        // guest owns

  b.add(dom, "", ro);
  b.add(dom + "/vm", vm);
  b.add(dom + "/name", "guest-" + d);
  b.add(dom + "/domid", d);
  for (const char* sub : {"/device", "/control", "/data", "/drivers", "/feature"})
    b.add(dom + sub, "", rw);
  b.add(dom + "/control/shutdown", "", rw);
  b.add(dom + "/control/platform-feature-xs_reset_watches", "1");
  b.add(dom + "/memory/static-max", "1048576");
  b.add(dom + "/memory/target", "1048576");
  b.add(dom + "/memory/videoram", "-1");
  b.add(dom + "/cpu/0/availability", "online");
  b.add(dom + "/store/port", "1");
  b.add(dom + "/store/ring-ref", "1044476");
  b.add(dom + "/console/port", "2");
  b.add(dom + "/console/ring-ref", "1044477");
  b.add(dom + "/console/type", "xenconsoled");

  // Disk: frontend, backend, and libxl's own record of the device.
  const std::string vbd_fe = dom + "/device/vbd/51712";
  b.add(vbd_fe, "", rw);
  b.add(vbd_fe + "/backend", vbd_be);
  b.add(vbd_fe + "/backend-id", "0");
  b.add(vbd_fe + "/state", "1");
  b.add(vbd_fe + "/virtual-device", "51712");
  b.add(vbd_fe + "/device-type", "disk");
  b.add(vbd_be, "", ro);
  for (const auto& [k, v] : std::vector<std::pair<const char*, std::string>>{
           {"frontend", vbd_fe}, {"frontend-id", d}, {"online", "1"}, {"state", "1"}, {"dev", "xvda"}, {"type", "phy"},
           {"mode", "w"},
           {"params", "/dev/vg0/guest-" + d}})
    b.add(vbd_be + "/" + k, v);

  // Network interface.
  const std::string vif_fe = dom + "/device/vif/0";
  b.add(vif_fe, "", rw);
  b.add(vif_fe + "/backend", vif_be);
  b.add(vif_fe + "/backend-id", "0");
  b.add(vif_fe + "/state", "1");
  b.add(vif_fe + "/handle", "0");
  b.add(vif_fe + "/mac", mac_for(domid));
  b.add(vif_be, "", ro);
  for (const auto& [k, v] : std::vector<std::pair<const char*, std::string>>{
           {"frontend", vif_fe}, {"frontend-id", d}, {"online", "1"}, {"state", "1"},
           {"script", "/etc/xen/scripts/vif-bridge"}, {"mac", mac_for(domid)}, {"bridge", "xenbr0"}})
    b.add(vif_be + "/" + k, v);

  b.add(vm, "", ro);
  b.add(vm + "/uuid", uuid_for(domid));
  b.add(vm + "/name", "guest-" + d);
  b.add(vm + "/start_time", "1732500000.00");
  b.add(vm + "/image/ostype", "linux");

  b.add(libxl, "", ro);
  b.add(libxl + "/type", "pvh");
  b.add(libxl + "/dm-version", "qemu_xen");
  return b.take();
}

}  // namespace xsperf
