// Protocol micro-benchmarks: parsing a pipelined read buffer, and writing the common reply shapes.
// No engine, no sockets: this is the cost of RESP itself on the hot path.

#include <benchmark/benchmark.h>

#include <string>
#include <string_view>
#include <vector>

#include "bench/bench_support.h"
#include "protocol/reply_writer.h"
#include "protocol/resp_parser.h"

namespace redrock::bench {
namespace {

// What redis-benchmark -P 1000 -d 64 would send: `SET key:NNNNNNNNNNNN <64 bytes>` a thousand times.
std::string PipelinedSets(int commands) {
  std::string buffer;
  for (int i = 0; i < commands; ++i) {
    std::string key = "key:" + std::string(12 - std::to_string(i).size(), '0') + std::to_string(i);
    buffer += "*3\r\n$3\r\nSET\r\n$" + std::to_string(key.size()) + "\r\n" + key + "\r\n$" +
              std::to_string(Value64().size()) + "\r\n" + Value64() + "\r\n";
  }
  return buffer;
}

void BM_ParsePipelinedSets(benchmark::State& state) {
  const int commands = static_cast<int>(state.range(0));
  const std::string buffer = PipelinedSets(commands);
  protocol::RespParser parser;
  std::vector<std::string_view> argv;
  for (auto _ : state) {
    // As a connection drains its read buffer: parse every complete command in it.
    std::string_view rest = buffer;
    int parsed = 0;
    size_t consumed = 0;
    while (!rest.empty() && parser.Parse(rest, &argv, &consumed) == protocol::ParseStatus::kOk) {
      benchmark::DoNotOptimize(argv.data());
      rest.remove_prefix(consumed);
      ++parsed;
    }
    if (parsed != commands || argv.size() != 3) {
      state.SkipWithError("the parser did not return every command");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * commands);  // commands per second
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(buffer.size()));
}
BENCHMARK(BM_ParsePipelinedSets)->Arg(1000)->ArgName("commands")->Unit(benchmark::kMicrosecond);

// The writers append to a reused buffer that a connection would flush once per read batch; it is
// cleared every 64 KiB so the benchmark measures appending, not growth.
constexpr size_t kFlushBytes = 64 * 1024;

void BM_WriteBulk(benchmark::State& state) {
  const std::string value(static_cast<size_t>(state.range(0)), 'v');
  std::string out;
  out.reserve(kFlushBytes + value.size() + 32);
  protocol::ReplyWriter writer(&out);
  for (auto _ : state) {
    writer.Bulk(value);
    if (out.size() >= kFlushBytes) out.clear();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WriteBulk)->Arg(64)->Arg(1024)->ArgName("bytes");

void BM_WriteInteger(benchmark::State& state) {
  std::string out;
  out.reserve(kFlushBytes + 32);
  protocol::ReplyWriter writer(&out);
  int64_t value = 1;
  for (auto _ : state) {
    writer.Integer(value);
    value = value * 31 + 7;  // short and long numbers, negative ones too
    if (out.size() >= kFlushBytes) out.clear();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WriteInteger);

// An array of N 20-byte bulk strings: the shape of a KEYS, MGET or SCAN reply.
void BM_WriteArray(benchmark::State& state) {
  const size_t n = static_cast<size_t>(state.range(0));
  const std::string element = "grp07:item:000000007";
  std::string out;
  protocol::ReplyWriter writer(&out);
  for (auto _ : state) {
    out.clear();
    writer.ArrayHeader(n);
    for (size_t i = 0; i < n; ++i) writer.Bulk(element);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<int64_t>(n));  // elements per second
}
BENCHMARK(BM_WriteArray)->Arg(10)->Arg(1000)->ArgName("elements");

}  // namespace
}  // namespace redrock::bench

BENCHMARK_MAIN();
