#pragma once
// Redis's sdssplitargs (sds.c), the one tokenizer behind inline commands and redis.conf lines: words
// separated by blanks, "double quoted" words with \n \r \t \b \a \\ \" \xHH escapes, 'single quoted' words
// with \' only; a closing quote must be followed by a blank or the end. Standard library only.

#include <string>
#include <string_view>
#include <vector>

namespace redrock::common {

// Splits `line` into `words`, exactly as Redis does (a NUL byte ends the line, as it ends Redis's C
// string). The strings already in `words` are overwritten in place, so a caller that keeps the vector
// allocates nothing for arguments that fit the room left by earlier calls. When `views` is given it
// receives every argument too, as a view into `line` where the argument had no quotes, else into its
// string in `words`. False on unbalanced quotes (the outputs are then unspecified).
bool SplitArgs(std::string_view line, std::vector<std::string>* words,
               std::vector<std::string_view>* views = nullptr);

}  // namespace redrock::common
