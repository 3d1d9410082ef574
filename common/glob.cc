#include "common/glob.h"

#include <cstddef>
#include <cstdint>
#include <utility>

// A faithful port of Redis's stringmatchlen (util.c), made iterative.
//
// Every token other than `*` consumes exactly one byte of the string, so the recursion in Redis (with its
// skipLongerMatches short-cut) only ever resumes at the most recent `*`: once the rest of the pattern
// after that `*` fails at every later position, the whole match fails. Keeping one backtrack point gives
// the same answers in O(pattern * string) time and constant stack.
//
// Quirks kept from Redis:
//  - bytes are compared as signed chars, so `[a-\xff]` is the range \xff..a;
//  - reading past the end of the pattern sees a NUL terminator (an unterminated `[abc` still works as a
//    class that ends at the pattern's end; `[a-]` takes `]` as the range end);
//  - a `\` escape inside a class compares case-sensitively even with nocase;
//  - the nesting limit (1000 levels of `*` recursion in Redis 7.0.15 as shipped): a pattern that needs a
//    1001st `*` to be expanded never matches;
//  - a pattern is only walked while the string is non-empty, so "**" does not match "" (see glob.h for
//    the single "*" case).

namespace redrock::common {
namespace {

constexpr int kMaxStarNesting = 1000;

// glibc's tolower() in the C locale, as Redis calls it on (signed) chars: ASCII folding, and negative
// values other than EOF (-1) come back as their unsigned byte value.
int Lower(int c) {
  if (c >= 'A' && c <= 'Z') return c + ('a' - 'A');
  if (c < -1) return c + 256;
  return c;
}

class Matcher {
 public:
  Matcher(std::string_view pattern, std::string_view str, bool nocase)
      : pat_(pattern), str_(str), nocase_(nocase) {}

  bool Run() {
    size_t p = 0;
    size_t s = 0;
    // The most recent `*` that may still try a later string position.
    bool have_star = false;
    size_t star_p = 0;  // pattern index right after the star group
    size_t star_s = 0;  // string index the rest of the pattern is currently tried at
    int star_depth = 0;
    int depth = 0;  // stars expanded on the current path (Redis's recursion nesting)

    while (true) {
      bool failed = false;
      if (p < pat_.size() && s < str_.size()) {
        if (pat_[p] == '*') {
          while (p + 1 < pat_.size() && pat_[p + 1] == '*') ++p;
          if (p + 1 == pat_.size()) return true;  // a trailing star swallows the rest
          if (depth + 1 > kMaxStarNesting) return false;
          ++depth;
          have_star = true;
          star_p = p + 1;
          star_s = s;
          star_depth = depth;
          p = star_p;
          continue;
        }
        size_t next_p = p;
        if (!MatchOne(p, Signed(str_[s]), &next_p)) {
          failed = true;
        } else {
          p = next_p;
          ++s;
          if (s == str_.size()) {
            while (At(p) == '*') ++p;
            failed = !(p == pat_.size());
            if (!failed) return true;
          }
        }
      } else {
        if (p == pat_.size() && s == str_.size()) return true;
        failed = true;
      }
      if (failed) {
        // Retry the rest of the pattern one byte later; the star never tries the empty remainder.
        if (!have_star || star_s + 1 >= str_.size()) return false;
        ++star_s;
        p = star_p;
        s = star_s;
        depth = star_depth;
      }
    }
  }

 private:
  // The pattern byte at i, or the NUL terminator Redis would read past the end.
  int At(size_t i) const { return i < pat_.size() ? Signed(pat_[i]) : 0; }
  static int Signed(char c) { return static_cast<int>(static_cast<signed char>(c)); }

  // Matches the single-byte token at pat_[p] against byte c and sets *next to the index after it.
  bool MatchOne(size_t p, int c, size_t* next) const {
    int pc = At(p);
    size_t len = pat_.size();
    if (pc == '?') {
      *next = p + 1;
      return true;
    }
    if (pc == '[') {
      // Redis's loop counts remaining pattern bytes in patternLen; `rem` mirrors it.
      ++p;
      bool negate = At(p) == '^';
      if (negate) ++p;
      bool match = false;
      while (true) {
        size_t rem = p <= len ? len - p : 0;
        int b = At(p);
        if (b == '\\' && rem >= 2) {
          ++p;
          if (At(p) == c) match = true;
        } else if (b == ']') {
          break;
        } else if (rem == 0) {
          --p;  // unterminated class: it ends with the pattern
          break;
        } else if (rem >= 3 && At(p + 1) == '-') {
          int start = b;
          int end = At(p + 2);
          int cc = c;
          if (start > end) std::swap(start, end);
          if (nocase_) {
            start = Lower(start);
            end = Lower(end);
            cc = Lower(cc);
          }
          p += 2;
          if (cc >= start && cc <= end) match = true;
        } else if (nocase_ ? Lower(b) == Lower(c) : b == c) {
          match = true;
        }
        ++p;
      }
      *next = p + 1;
      return negate ? !match : match;
    }
    if (pc == '\\' && len - p >= 2) {
      ++p;
      pc = At(p);
    }
    *next = p + 1;
    return nocase_ ? Lower(pc) == Lower(c) : pc == c;
  }

  std::string_view pat_;
  std::string_view str_;
  bool nocase_;
};

bool IsSpecial(char c) { return c == '*' || c == '?' || c == '['; }

}  // namespace

bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase) {
  // KEYS, SCAN and the *SCAN family all treat a lone "*" as "everything" without matching, so the empty
  // key is included; stringmatchlen itself would reject "" (as it does for "**").
  if (pattern.size() == 1 && pattern[0] == '*') return true;
  return Matcher(pattern, str, nocase).Run();
}

std::string GlobLiteralPrefix(std::string_view pattern) {
  std::string prefix;
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (IsSpecial(c)) break;
    if (c == '\\' && i + 1 < pattern.size()) c = pattern[++i];  // a trailing '\' is a literal '\'
    prefix.push_back(c);
  }
  return prefix;
}

bool GlobIsLiteral(std::string_view pattern) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (IsSpecial(c)) return false;
    if (c == '\\') ++i;
  }
  return true;
}

}  // namespace redrock::common
