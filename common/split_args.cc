#include "common/split_args.h"

namespace redrock::common {
namespace {

// isspace() in the C locale: what skips blanks between words and must follow a closing quote.
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

char Unescape(char c) {
  switch (c) {
    case 'n': return '\n';
    case 'r': return '\r';
    case 't': return '\t';
    case 'b': return '\b';
    case 'a': return '\a';
    default: return c;
  }
}

}  // namespace

bool SplitArgs(std::string_view line, std::vector<std::string>* words, std::vector<std::string_view>* views) {
  line = line.substr(0, line.find('\0'));
  // Past the end reads as NUL, as walking the C string does in sdssplitargs.
  auto at = [&](size_t i) -> char { return i < line.size() ? line[i] : '\0'; };
  // While splitting, (*views)[i] only marks where argument i starts in `line` (an empty view there), or
  // holds a null view once the argument turns out to have quotes; the lengths are filled in at the end.
  if (views) views->clear();
  size_t count = 0;
  size_t p = 0;
  while (true) {
    while (p < line.size() && IsSpace(line[p])) ++p;
    if (p >= line.size()) break;
    if (count == words->size()) words->emplace_back();
    std::string& word = (*words)[count++];
    word.clear();
    if (views) views->push_back(line.substr(p, 0));
    char quote = '\0';  // '"' or '\'' inside a quoted part
    for (bool done = false; !done; ++p) {
      const char c = at(p);
      if (quote != '\0') {
        if (c == '\0') return false;  // unterminated quote
        if (c == quote) {
          if (at(p + 1) != '\0' && !IsSpace(at(p + 1))) return false;
          done = true;
        } else if (quote == '"' && c == '\\' && at(p + 1) == 'x' && HexValue(at(p + 2)) >= 0 &&
                   HexValue(at(p + 3)) >= 0) {
          word.push_back(static_cast<char>(HexValue(at(p + 2)) * 16 + HexValue(at(p + 3))));
          p += 3;
        } else if (quote == '"' && c == '\\' && at(p + 1) != '\0') {
          word.push_back(Unescape(at(++p)));
        } else if (quote == '\'' && c == '\\' && at(p + 1) == '\'') {
          word.push_back(at(++p));
        } else {
          word.push_back(c);
        }
      } else if (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\0') {
        done = true;
      } else if (c == '"' || c == '\'') {
        quote = c;
        if (views) views->back() = std::string_view();
      } else {
        word.push_back(c);
      }
      if (c == '\0') break;  // the end: sdssplitargs does not step past the terminator
    }
  }
  words->resize(count);
  if (views) {
    for (size_t i = 0; i < count; ++i) {
      std::string_view& view = (*views)[i];
      const std::string& word = (*words)[i];
      view = view.data() == nullptr ? std::string_view(word) : std::string_view(view.data(), word.size());
    }
  }
  return true;
}

}  // namespace redrock::common
