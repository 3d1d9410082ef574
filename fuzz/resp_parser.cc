// Fuzz harness for protocol::RespParser (the request parser).
//
// Input: one byte of settings (limits, authenticated or not), one byte giving the number of split
// points (0..15) and two bytes per split point, then the request bytes. The requests are parsed twice:
// whole, and fed in pieces cut at the split points, the way reads arrive on a socket (the buffer is
// appended to, and the consumed prefix erased, between calls, so the parser's saved offsets are relied
// on across moves of the buffer). Both runs must yield the same commands and the same error, except that
// a "too big" limit error may come earlier in pieces (Redis checks those limits against the bytes it has
// read so far, so it behaves the same way). Every multibulk command found is also encoded again and must
// parse back to the same arguments.

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "protocol/resp_parser.h"

namespace {

using redrock::fuzz::ByteReader;
using redrock::fuzz::Printable;
using redrock::protocol::ParseStatus;
using redrock::protocol::ParserLimits;
using redrock::protocol::RespParser;

struct Outcome {
  std::vector<std::vector<std::string>> commands;
  std::vector<bool> multibulk;     // whether each command came as `*N`
  std::string error;               // empty: ended waiting for more bytes
};

void Collect(const std::vector<std::string_view>& argv, bool multibulk, Outcome* out) {
  out->commands.emplace_back(argv.begin(), argv.end());
  out->multibulk.push_back(multibulk);
}

// Parses every command in `chunks` (appended one after the other as they "arrive").
Outcome Run(const ParserLimits& limits, bool authenticated, const std::vector<std::string_view>& chunks) {
  RespParser parser(limits);
  parser.set_authenticated(authenticated);
  Outcome out;
  std::string buffer;
  std::vector<std::string_view> argv;
  size_t next_chunk = 0;
  while (true) {
    size_t consumed = 0;
    ParseStatus status = parser.Parse(buffer, &argv, &consumed);
    if (status == ParseStatus::kOk) {
      FUZZ_CHECK(consumed > 0 && consumed <= buffer.size(), "consumed %zu of %zu", consumed, buffer.size());
      for (std::string_view arg : argv) {
        // Views into the buffer must lie inside the consumed command; inline arguments may live in the
        // parser's own storage instead.
        if (buffer[0] == '*') {
          FUZZ_CHECK(arg.data() >= buffer.data() && arg.data() + arg.size() <= buffer.data() + consumed,
                     "argument outside the command");
        }
      }
      Collect(argv, buffer[0] == '*', &out);
      buffer.erase(0, consumed);  // the caller drops what was consumed; the rest moves to the front
      continue;
    }
    if (status == ParseStatus::kError) {
      out.error = parser.error();
      FUZZ_CHECK(!out.error.empty(), "error without text");
      return out;
    }
    FUZZ_CHECK(consumed == 0 && argv.empty(), "kNeedMore with output");
    if (next_chunk == chunks.size()) return out;
    buffer.append(chunks[next_chunk].data(), chunks[next_chunk].size());
    ++next_chunk;
  }
}

bool IsLimitError(const std::string& error) { return error.find("Protocol error: too big") != std::string::npos; }

std::string Describe(const Outcome& o) {
  std::string s = std::to_string(o.commands.size()) + " commands";
  for (const auto& cmd : o.commands) {
    s += "\n  [";
    for (const auto& arg : cmd) s += " '" + Printable(arg, 60) + "'";
    s += " ]";
  }
  s += "\n  error: " + (o.error.empty() ? std::string("(none, waiting for more)") : o.error);
  return s;
}

std::string EncodeMultibulk(const std::vector<std::string>& argv) {
  std::string out = "*" + std::to_string(argv.size()) + "\r\n";
  for (const auto& arg : argv) out += "$" + std::to_string(arg.size()) + "\r\n" + arg + "\r\n";
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteReader in(data, size);
  const uint8_t settings = in.Byte();
  ParserLimits limits;
  // Small limits, so the limit errors are reachable with small inputs.
  if (settings & 1) limits.max_inline_len = 1 + (settings >> 4) * 4;
  if (settings & 2) limits.max_bulk_len = settings >> 3;
  if (settings & 4) limits.max_multibulk_len = settings >> 4;
  const bool authenticated = !(settings & 8);

  const size_t splits = in.Byte() % 16;
  std::vector<size_t> cuts;
  for (size_t i = 0; i < splits; ++i) cuts.push_back(in.U16());
  std::string_view requests = in.Rest();
  for (size_t& cut : cuts) cut = requests.empty() ? 0 : cut % (requests.size() + 1);
  std::sort(cuts.begin(), cuts.end());

  std::vector<std::string_view> pieces;
  size_t prev = 0;
  for (size_t cut : cuts) {
    pieces.push_back(requests.substr(prev, cut - prev));
    prev = cut;
  }
  pieces.push_back(requests.substr(prev));

  const Outcome whole = Run(limits, authenticated, {requests});
  const Outcome split = Run(limits, authenticated, pieces);

  if (IsLimitError(split.error)) {
    // The limit was hit before the line's terminator arrived: what came before must agree.
    FUZZ_CHECK(split.commands.size() <= whole.commands.size() &&
                   std::equal(split.commands.begin(), split.commands.end(), whole.commands.begin()),
               "split run (limit error) is not a prefix of the whole run\nwhole: %s\nsplit: %s",
               Describe(whole).c_str(), Describe(split).c_str());
  } else {
    FUZZ_CHECK(whole.commands == split.commands && whole.error == split.error,
               "whole and split parses differ\nwhole: %s\nsplit: %s", Describe(whole).c_str(),
               Describe(split).c_str());
  }

  // Every multibulk command encodes back to itself.
  for (size_t i = 0; i < whole.commands.size(); ++i) {
    if (!whole.multibulk[i] || whole.commands[i].empty()) continue;
    ParserLimits roomy;  // the default limits hold anything the small ones let through
    Outcome again = Run(roomy, true, {EncodeMultibulk(whole.commands[i])});
    FUZZ_CHECK(again.error.empty() && again.commands.size() == 1 && again.commands[0] == whole.commands[i],
               "re-encoded command parses differently: %s", Describe(again).c_str());
  }
  return 0;
}
