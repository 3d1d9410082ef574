// Fuzz harness for common::SplitArgs (inline commands and config lines).
//
// The line is split by SplitArgs three times: into fresh vectors, into vectors already holding junk
// words (the in-place reuse path), and with and without the views output; all must agree, and each view
// must equal its word (and point into the line when the word had no quotes). The result is compared
// with a reference splitter written separately below from the same rules. A successful split is then
// quoted word by word and joined, and must split back to the same words.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "common/split_args.h"

namespace {

using redrock::fuzz::ByteReader;
using redrock::fuzz::Printable;

// The reference: a character-at-a-time state machine over the line up to its first NUL.
//   between words: skip isspace() bytes;
//   in a bare word: ' ' '\n' '\r' '\t' end the word; '"' or '\'' opens a quoted part; else the byte;
//   in "...": \xHH (two hex digits) is a byte, \n \r \t \b \a are controls, \ before any other byte is that
//             byte; '"' closes, and must be followed by a blank (isspace) or the end;
//   in '...': \' is a quote, anything else is itself; '\'' closes with the same rule;
//   the end of the line inside quotes fails.
bool IsBlank(unsigned char c) { return c == ' ' || (c >= '\t' && c <= '\r'); }
int Hex(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  c = static_cast<unsigned char>(c | 0x20);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

bool ReferenceSplit(std::string_view line, std::vector<std::string>* out) {
  out->clear();
  size_t nul = line.find('\0');
  if (nul != std::string_view::npos) line = line.substr(0, nul);
  enum State { kBetween, kBare, kDouble, kSingle } state = kBetween;
  std::string word;
  size_t i = 0;
  const size_t n = line.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(line[i]);
    switch (state) {
      case kBetween:
        if (IsBlank(c)) {
          ++i;
        } else {
          state = kBare;
          word.clear();
        }
        break;
      case kBare:
        if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
          out->push_back(word);
          state = kBetween;
        } else if (c == '"') {
          state = kDouble;
        } else if (c == '\'') {
          state = kSingle;
        } else {
          word.push_back(static_cast<char>(c));
        }
        ++i;
        break;
      case kDouble:
      case kSingle: {
        const char quote = state == kDouble ? '"' : '\'';
        if (c == static_cast<unsigned char>(quote)) {
          if (i + 1 < n && !IsBlank(static_cast<unsigned char>(line[i + 1]))) return false;
          out->push_back(word);
          state = kBetween;
          i += 1;
          break;
        }
        if (c == '\\' && i + 1 < n) {
          unsigned char e = static_cast<unsigned char>(line[i + 1]);
          if (state == kDouble) {
            if (e == 'x' && i + 3 < n && Hex(line[i + 2]) >= 0 && Hex(line[i + 3]) >= 0) {
              word.push_back(static_cast<char>(Hex(line[i + 2]) * 16 + Hex(line[i + 3])));
              i += 4;
              break;
            }
            const char* from = "nrtba";
            const char* to = "\n\r\t\b\a";
            char mapped = static_cast<char>(e);
            for (int k = 0; k < 5; ++k) {
              if (e == static_cast<unsigned char>(from[k])) mapped = to[k];
            }
            word.push_back(mapped);
            i += 2;
            break;
          }
          if (e == '\'') {
            word.push_back('\'');
            i += 2;
            break;
          }
        }
        word.push_back(static_cast<char>(c));
        ++i;
        break;
      }
    }
  }
  if (state == kDouble || state == kSingle) return false;
  if (state == kBare) out->push_back(word);
  return true;
}

// Quotes a word so that SplitArgs reads it back unchanged.
std::string Quote(const std::string& word) {
  std::string out = "\"";
  for (unsigned char c : word) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < 0x20 || c >= 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  out.push_back('"');
  return out;
}

std::string Words(const std::vector<std::string>& words) {
  std::string s;
  for (const auto& w : words) s += " '" + Printable(w, 80) + "'";
  return s;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteReader in(data, size);
  // The first byte seeds the junk left in the reused vector.
  const uint8_t junk = in.Byte();
  const std::string line(in.Rest());

  std::vector<std::string> fresh;
  const bool ok = redrock::common::SplitArgs(line, &fresh);

  std::vector<std::string> reference;
  const bool ref_ok = ReferenceSplit(line, &reference);
  FUZZ_CHECK(ok == ref_ok, "common::SplitArgs says %d, the reference %d, for '%s'", ok, ref_ok, Printable(line).c_str());
  if (ok) {
    FUZZ_CHECK(fresh == reference, "words differ for '%s'\nSplitArgs:%s\nreference:%s", Printable(line).c_str(),
               Words(fresh).c_str(), Words(reference).c_str());
  }

  // Reuse: vectors that already hold words of assorted sizes.
  std::vector<std::string> reused;
  for (int i = 0; i < (junk & 7); ++i) reused.emplace_back(static_cast<size_t>((junk >> 3) * i), 'j');
  std::vector<std::string_view> views(junk & 3, std::string_view("stale"));
  const bool ok2 = redrock::common::SplitArgs(line, &reused, &views);
  FUZZ_CHECK(ok2 == ok, "reused vectors change the verdict for '%s'", Printable(line).c_str());
  if (!ok) return 0;
  FUZZ_CHECK(reused == fresh, "reused vectors give other words for '%s'\nfresh:%s\nreused:%s",
             Printable(line).c_str(), Words(fresh).c_str(), Words(reused).c_str());
  FUZZ_CHECK(views.size() == reused.size(), "%zu views for %zu words", views.size(), reused.size());
  for (size_t i = 0; i < views.size(); ++i) {
    FUZZ_CHECK(views[i] == reused[i], "view %zu differs from its word", i);
    const bool in_line = views[i].data() >= line.data() && views[i].data() + views[i].size() <= line.data() + line.size();
    const bool in_word = views[i].data() == reused[i].data();
    FUZZ_CHECK(in_line || in_word, "view %zu points neither into the line nor into its word", i);
  }

  // Round trip through quoting.
  std::string quoted;
  for (const auto& w : fresh) quoted += Quote(w) + " ";
  std::vector<std::string> back;
  FUZZ_CHECK(redrock::common::SplitArgs(quoted, &back) && back == fresh, "quoted words do not split back: '%s'",
             Printable(quoted).c_str());
  return 0;
}
