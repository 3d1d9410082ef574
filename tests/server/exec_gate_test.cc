#include <atomic>
#include <mutex>
#include <shared_mutex>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "server/core/exec_gate.h"

using redrock::server::ExecGate;

TEST_CASE("the exec gate excludes readers while a writer holds it", "[exec_gate]") {
  ExecGate gate;
  std::atomic<int> readers_inside{0};
  std::atomic<int> writers_inside{0};
  std::atomic<int> violations{0};
  std::atomic<bool> stop{false};

  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        std::shared_lock lock(gate);
        readers_inside++;
        if (writers_inside.load() != 0) violations++;
        readers_inside--;
      }
    });
  }
  int writes = 0;
  for (int i = 0; i < 2000; ++i) {
    std::unique_lock lock(gate);
    writers_inside++;
    if (readers_inside.load() != 0) violations++;
    ++writes;
    writers_inside--;
  }
  stop = true;
  for (auto& t : readers) t.join();
  CHECK(writes == 2000);
  CHECK(violations.load() == 0);
}

TEST_CASE("two writers never overlap", "[exec_gate]") {
  ExecGate gate;
  int counter = 0;  // protected only by the gate
  auto work = [&] {
    for (int i = 0; i < 20000; ++i) {
      std::unique_lock lock(gate);
      ++counter;
    }
  };
  std::thread a(work), b(work);
  a.join();
  b.join();
  CHECK(counter == 40000);
}
