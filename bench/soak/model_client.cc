#include "model_client.h"

#include <cerrno>
#include <functional>
#include <set>

namespace xssoak {

ModelClient::ModelClient(std::string token, std::string base, std::uint64_t rng_seed, ChannelOpener open)
    : token_(std::move(token)), base_(std::move(base)), rng_(rng_seed), open_(std::move(open)) {}

std::string ModelClient::random_path() {
  std::string path = base_;
  const int depth = 1 + static_cast<int>(rng_() % 3);
  for (int i = 0; i < depth; ++i) path += "/k" + std::to_string(rng_() % 6);
  return path;
}

void ModelClient::apply_write(Model& model, const std::string& base, const std::string& path,
                              const std::string& value) {
  // Missing ancestors below the base are created empty, as the daemon does.
  for (std::size_t slash = path.find('/', base.size() + 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    model.emplace(path.substr(0, slash), "");
  }
  model[path] = value;
}

void ModelClient::apply_rm(Model& model, const std::string& path) {
  auto it = model.lower_bound(path);
  while (it != model.end() && (it->first == path || it->first.rfind(path + "/", 0) == 0))
    it = model.erase(it);
}

void ModelClient::mismatch(const std::string& what) {
  if (stats_.mismatches++ == 0) stats_.first_mismatch = what;
}

bool ModelClient::io_error(const char* what, Error error) {
  error_ = std::string(what) + ": " + xsperf::errno_name(error.code);
  return false;
}

bool ModelClient::step(Model& model, std::uint32_t tx) {
  StoreChannel& c = *channel_;
  const std::string path = random_path();
  const unsigned op = static_cast<unsigned>(rng_() % 100);
  ++stats_.ops;
  if (op < 40) {
    std::string value = "v" + std::to_string(rng_() % 100000) + std::string(rng_() % 200, 'x');
    auto r = c.write(path, value, tx);
    if (r.ok()) {
      apply_write(model, base_, path, value);
    } else if (is_transport_error(r.error().code)) {
      error_ = "write: " + xsperf::errno_name(r.error().code);
      return false;
    } else {
      mismatch("write " + path + " failed: " + xsperf::errno_name(r.error().code));
    }
  } else if (op < 65) {
    auto r = c.read(path, tx);
    if (!r && is_transport_error(r.error().code)) return io_error("read", r.error());
    auto it = model.find(path);
    if (r.ok()) {
      if (it == model.end()) mismatch("read " + path + ": exists, model says absent");
      else if (*r != it->second) mismatch("read " + path + ": value differs from model");
    } else if (r.error().code == ENOENT) {
      if (it != model.end()) mismatch("read " + path + ": ENOENT, model has it");
    } else {
      mismatch("read " + path + ": " + xsperf::errno_name(r.error().code));
    }
  } else if (op < 78) {
    auto r = c.rm(path, tx);
    if (!r && is_transport_error(r.error().code)) return io_error("rm", r.error());
    if (r.ok()) {
      apply_rm(model, path);
    } else if (r.error().code != ENOENT) {
      mismatch("rm " + path + ": " + xsperf::errno_name(r.error().code));
    }
  } else if (op < 83) {
    auto r = c.mkdir(path, tx);
    if (!r && is_transport_error(r.error().code)) return io_error("mkdir", r.error());
    if (r.ok()) {
      if (model.count(path) == 0) apply_write(model, base_, path, "");
    } else {
      mismatch("mkdir " + path + ": " + xsperf::errno_name(r.error().code));
    }
  } else {
    auto r = c.directory(path, tx);
    if (!r && is_transport_error(r.error().code)) return io_error("directory", r.error());
    if (r.ok()) {
      std::set<std::string> got(r->begin(), r->end());
      std::set<std::string> want;
      for (auto it = model.upper_bound(path); it != model.end() && it->first.rfind(path + "/", 0) == 0; ++it) {
        std::string rest = it->first.substr(path.size() + 1);
        if (rest.find('/') == std::string::npos) want.insert(rest);
      }
      if (model.count(path) == 0) mismatch("directory " + path + ": exists, model says absent");
      else if (got != want) mismatch("directory " + path + ": children differ from model");
    } else if (r.error().code == ENOENT) {
      if (model.count(path) != 0) mismatch("directory " + path + ": ENOENT, model has it");
    } else {
      mismatch("directory " + path + ": " + xsperf::errno_name(r.error().code));
    }
  }
  return true;
}

bool ModelClient::transaction() {
  auto tx = channel_->transaction_start();
  if (!tx) {
    error_ = "transaction_start: " + xsperf::errno_name(tx.error().code);
    return false;
  }
  Model copy = model_;
  const int ops = 1 + static_cast<int>(rng_() % 6);
  for (int i = 0; i < ops; ++i)
    if (!step(copy, *tx)) return false;
  const bool commit = rng_() % 5 != 0;
  auto end = channel_->transaction_end(*tx, commit);
  if (!end && is_transport_error(end.error().code)) return io_error("transaction_end", end.error());
  if (!commit) {
    ++stats_.aborts;
    if (!end.ok()) mismatch("abort: " + xsperf::errno_name(end.error().code));
    return true;
  }
  if (end.ok()) {
    ++stats_.commits;
    model_ = std::move(copy);
  } else if (end.error().code == EAGAIN) {
    // Nobody else writes this subtree, but the daemon may still refuse a
    // commit whose reads it cannot prove unchanged (e.g. a parent's child
    // list changed by a sibling client's creation under /soak), and a guest
    // short of conflict credit gets EAGAIN too.
    ++stats_.conflicts;
  } else {
    mismatch("commit: " + xsperf::errno_name(end.error().code));
  }
  return true;
}

void ModelClient::check_events() {
  for (const auto& e : channel_->take_events()) {
    ++stats_.events;
    if (e.token != token_) mismatch("event with a foreign token " + e.token);
    if (e.path != base_ && e.path.rfind(base_ + "/", 0) != 0)
      mismatch("event for a path outside the watch: " + e.path);
  }
}

bool ModelClient::run(const std::atomic<bool>& stop) {
  channel_ = open_();
  if (!channel_) {
    error_ = "connect failed";
    return false;
  }
  if (!channel_->write(base_, "").ok()) {
    error_ = "cannot create " + base_;
    return false;
  }
  model_.clear();
  if (!channel_->watch(base_, token_).ok()) {
    error_ = "watch failed";
    return false;
  }
  while (!stop.load(std::memory_order_relaxed)) {
    const bool ok = rng_() % 100 < 15 ? transaction() : step(model_, 0);
    if (!ok) return false;
    check_events();
  }
  return true;
}

bool ModelClient::verify_final() {
  // Walks the daemon's subtree and compares it with the model, both ways.
  if (!channel_) {
    mismatch("no connection left for the final walk of " + base_);
    return false;
  }
  Model seen;
  std::function<bool(const std::string&)> walk = [&](const std::string& path) -> bool {
    auto children = channel_->directory(path);
    if (!children) return false;
    for (const std::string& child : *children) {
      const std::string p = path + "/" + child;
      auto value = channel_->read(p);
      if (!value) return false;
      seen[p] = *value;
      if (!walk(p)) return false;
    }
    return true;
  };
  if (!walk(base_)) {
    mismatch("final walk of " + base_ + " failed");
    return false;
  }
  if (seen != model_) {
    std::string diff;
    for (const auto& [p, v] : model_)
      if (!seen.count(p)) diff = "missing " + p;
      else if (seen[p] != v) diff = "value of " + p;
    for (const auto& [p, v] : seen)
      if (!model_.count(p)) diff = "unexpected " + p;
    mismatch("final store differs from model: " + diff);
    return false;
  }
  return true;
}

}  // namespace xssoak
