// Microbenchmarks of the store's operations. Run:
//   build/bench/micro/store_bench --benchmark_min_time=1
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "cxxenstored/store/store.h"

namespace cxxenstored::store {
namespace {

const Caller kDom0 = Caller::dom0();

// A host with `domains` guests, each with a realistic home (~20 nodes).
Store make_host(int domains) {
  Store store;
  for (int d = 1; d <= domains; ++d) {
    const std::string home = "/local/domain/" + std::to_string(d);
    for (const char* key : {"name", "domid", "vm", "memory/target", "memory/static-max",
                            "cpu/0/availability", "control/shutdown", "device/vif/0/state",
                            "device/vif/0/backend", "device/vif/0/mac", "device/vbd/51712/state",
                            "device/vbd/51712/backend", "console/port", "console/ring-ref",
                            "store/port", "store/ring-ref", "data/updated", "attr/os/name"}) {
      (void)store.write(kDom0, home + "/" + key, "value-" + std::to_string(d));
    }
  }
  return store;
}

void BM_Read(benchmark::State& state) {
  Store store = make_host(100);
  int i = 0;
  for (auto _ : state) {
    auto v = store.read(kDom0, "/local/domain/" + std::to_string(1 + (i++ % 100)) + "/device/vif/0/state");
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Read);

void BM_WriteExisting(benchmark::State& state) {
  Store store = make_host(100);
  int i = 0;
  for (auto _ : state) {
    auto r = store.write(kDom0, "/local/domain/" + std::to_string(1 + (i % 100)) + "/data/updated",
                         std::to_string(i));
    ++i;
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WriteExisting);

void BM_WriteNew(benchmark::State& state) {
  Store store = make_host(100);
  int i = 0;
  for (auto _ : state) {
    auto r = store.write(kDom0, "/local/domain/" + std::to_string(1 + (i % 100)) + "/data/n" + std::to_string(i), "x");
    ++i;
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WriteNew);

void BM_Directory1000(benchmark::State& state) {
  Store store;
  for (int i = 0; i < 1000; ++i) (void)store.write(kDom0, "/big/child" + std::to_string(i), "");
  for (auto _ : state) {
    auto names = store.directory(kDom0, "/big");
    benchmark::DoNotOptimize(names);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Directory1000);

void BM_UpdateOneOf1000Children(benchmark::State& state) {
  Store store;
  for (int i = 0; i < 1000; ++i) (void)store.write(kDom0, "/local/domain/" + std::to_string(i) + "/name", "");
  int i = 0;
  for (auto _ : state) {
    auto r = store.write(kDom0, "/local/domain/" + std::to_string(i++ % 1000) + "/name", "x");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_UpdateOneOf1000Children);

// Nothing else committed meanwhile: the transaction's root is installed.
void BM_TransactionFastPath(benchmark::State& state) {
  Store store = make_host(100);
  int i = 0;
  for (auto _ : state) {
    auto tx = store.begin_transaction();
    const std::string home = "/local/domain/" + std::to_string(1 + (i++ % 100));
    (void)store.read(kDom0, home + "/device/vif/0/state", tx.get());
    (void)store.write(kDom0, home + "/device/vif/0/state", "4", tx.get());
    auto changes = store.commit(*tx);
    benchmark::DoNotOptimize(changes);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TransactionFastPath);

// Another client committed in between: validate the read set, then graft
// (the transaction's domain home went in whole; replayed before c896385).
void BM_TransactionMergePath(benchmark::State& state) {
  Store store = make_host(100);
  int i = 0;
  for (auto _ : state) {
    auto tx = store.begin_transaction();
    const int d = 1 + (i++ % 100);
    const std::string home = "/local/domain/" + std::to_string(d);
    (void)store.read(kDom0, home + "/device/vif/0/state", tx.get());
    (void)store.write(kDom0, home + "/device/vif/0/state", "4", tx.get());
    (void)store.write(kDom0, "/local/domain/" + std::to_string(1 + d % 100) + "/data/updated", "y");
    auto changes = store.commit(*tx);
    benchmark::DoNotOptimize(changes);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_TransactionMergePath);

// The shape of libxl creating a domain: ~65 nodes in one transaction;
// with another_meanwhile, another toolstack thread creates a domain before
// the commit, so both added a child to /local/domain.
void run_vm_creations(benchmark::State& state, bool another_meanwhile) {
  Store store = make_host(10);
  int vm = 1000;
  for (auto _ : state) {
    auto tx = store.begin_transaction();
    const std::string home = "/local/domain/" + std::to_string(vm++);
    for (int k = 0; k < 65; ++k) (void)store.write(kDom0, home + "/k" + std::to_string(k % 13) + "/" + std::to_string(k), "v", tx.get());
    if (another_meanwhile) (void)store.write(kDom0, "/local/domain/" + std::to_string(vm++) + "/name", "other");
    auto changes = store.commit(*tx);
    benchmark::DoNotOptimize(changes);
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_VmCreationTransaction(benchmark::State& state) { run_vm_creations(state, false); }
BENCHMARK(BM_VmCreationTransaction);

// The commit merges child names (it replayed all 65 writes before 0153429).
void BM_VmCreationMergePath(benchmark::State& state) { run_vm_creations(state, true); }
BENCHMARK(BM_VmCreationMergePath);

}  // namespace
}  // namespace cxxenstored::store

BENCHMARK_MAIN();
