// Microbenchmarks of the watch registry. Run:
//   build/bench/micro/watch_bench --benchmark_min_time=1
#include <string>

#include <benchmark/benchmark.h>

#include "cxxenstored/store/store.h"
#include "cxxenstored/watch/registry.h"

namespace cxxenstored::watch {
namespace {

const store::Caller kDom0 = store::Caller::dom0();

// Matching one change while `range(0)` unrelated watches exist elsewhere:
// the registry walks the changed path's trie branch only, so the time per
// match should not grow with them.
void BM_MatchAmongUnrelatedWatches(benchmark::State& state) {
  store::Store store;
  Registry registry;
  registry.add_subscriber(1, kDom0);
  registry.add_subscriber(2, kDom0);
  for (int i = 0; i < state.range(0); ++i)
    (void)registry.add(1, "/many/n" + std::to_string(i), "t", std::nullopt);
  (void)registry.add(2, "/hot", "h", std::nullopt);
  store::ChangeList changes;
  (void)store.write(kDom0, "/hot/x", "v", nullptr, &changes);
  for (auto _ : state) {
    auto events = registry.match(changes.front(), store.root());
    benchmark::DoNotOptimize(events);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MatchAmongUnrelatedWatches)->Arg(0)->Arg(1000)->Arg(100000);

// Registering `range(0)` watches for one client (dom0 has no watch quota):
// each registration checks for a duplicate on its own path only.
void BM_AddManyWatchesOfOneClient(benchmark::State& state) {
  for (auto _ : state) {
    Registry registry;
    registry.add_subscriber(1, kDom0);
    for (int i = 0; i < state.range(0); ++i)
      (void)registry.add(1, "/many/n" + std::to_string(i), "t", std::nullopt);
    benchmark::DoNotOptimize(registry.total());
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_AddManyWatchesOfOneClient)->Arg(1000)->Arg(100000)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cxxenstored::watch

BENCHMARK_MAIN();
