// The command table is the generated catalog (Redis 7.0.15's COMMAND and COMMAND DOCS) with handlers
// bound by name: every catalog command is either bound or listed as not yet implemented, never both and
// never neither, and each bound spec has its catalog entry's shape. (tests/diff/command_docs_diff.py
// compares COMMAND INFO/DOCS with a real redis-server byte for byte.)
#include <catch2/catch.hpp>

#include <map>
#include <set>
#include <string>

#include "server/commands/families.h"
#include "server/core/command_catalog.h"
#include "server/core/command_table.h"
#include "tests/support/command_harness.h"

namespace redrock::server {
namespace {

bool IsContainer(const catalog::Command& c) { return c.subcommands.count > 0; }

// Every bound leaf (plain command or subcommand) by full name.
std::map<std::string, const CommandSpec*> BoundLeaves(const CommandTable& table) {
  std::map<std::string, const CommandSpec*> leaves;
  for (const auto& spec : table.commands()) {
    if (spec->subcommands.empty() || spec->handler != nullptr) leaves[spec->FullName()] = spec.get();
    for (const CommandSpec& sub : spec->subcommands) leaves[sub.FullName()] = &sub;
  }
  return leaves;
}

TEST_CASE("every catalog command is bound or listed as not yet implemented, exactly once", "[command][catalog]") {
  testing::CommandHarness h;
  const auto bound = BoundLeaves(h.table());
  std::map<std::string, int> not_yet;
  for (const NotYetImplemented& n : NotYetImplementedCommands()) {
    INFO(n.full_name);
    CHECK(not_yet.emplace(n.full_name, n.issue).second);  // listed once
    const catalog::Command* entry = catalog::Find(n.full_name);
    REQUIRE(entry != nullptr);  // a name Redis 7.0.15 has
    CHECK_FALSE(IsContainer(*entry));
    CHECK(bound.count(n.full_name) == 0);  // not both
  }
  size_t leaves = 0;
  for (const catalog::Command& c : catalog::Commands()) {
    if (IsContainer(c) && std::string_view(c.full_name) != "command") continue;
    ++leaves;
    INFO(c.full_name);
    CHECK(bound.count(c.full_name) + not_yet.count(c.full_name) == 1);
  }
  CHECK(bound.size() + not_yet.size() == leaves);
  // Redis 7.0.15 has 240 top-level commands.
  CHECK(catalog::TopLevelCount() == 240);
}

TEST_CASE("a bound command has its catalog entry's shape", "[command][catalog]") {
  testing::CommandHarness h;
  constexpr uint32_t kInternal = kCmdMultiControl | kCmdExclusive | kCmdRunsScript;
  for (const auto& [name, spec] : BoundLeaves(h.table())) {
    INFO(name);
    const catalog::Command* entry = catalog::Find(name);
    REQUIRE(entry != nullptr);
    CHECK(spec->doc == entry);
    CHECK(spec->arity == entry->arity);
    CHECK((spec->flags & ~kInternal) == entry->flags);
    CHECK(spec->first_key == entry->first_key);
    CHECK(spec->last_key == entry->last_key);
    CHECK(spec->step == entry->step);
    CHECK(spec->acl_categories == entry->acl_categories);
    CHECK(spec->handler != nullptr);
  }
}

TEST_CASE("catalog lookup by full name", "[command][catalog]") {
  const catalog::Command* get = catalog::Find("get");
  REQUIRE(get != nullptr);
  CHECK(get->arity == 2);
  CHECK(std::string_view(get->group) == "string");
  CHECK(catalog::Find("client|setname") != nullptr);
  CHECK(std::string_view(catalog::Find("client|setname")->full_name) == "client|setname");
  CHECK(catalog::Find("client|setinfo") == nullptr);  // Redis 7.2's
  CHECK(catalog::Find("nosuch") == nullptr);
  CHECK(catalog::Find("get|x") == nullptr);
  CHECK(catalog::Find("") == nullptr);
  // An argument tree: SET's expiration is a oneof of EX/PX/EXAT/PXAT/KEEPTTL.
  const catalog::Command* set = catalog::Find("set");
  REQUIRE(set != nullptr);
  bool found = false;
  for (const catalog::Arg& a : catalog::Args(set->arguments)) {
    if (std::string_view(a.name) != "expiration") continue;
    found = true;
    CHECK(std::string_view(a.type) == "oneof");
    CHECK(a.num_children == 5);
    CHECK(std::string_view(catalog::Args({a.first_child, a.num_children})[0].token) == "EX");
  }
  CHECK(found);
}

TEST_CASE("COMMAND DOCS carries the argument tree", "[command][catalog]") {
  testing::CommandHarness h;
  const std::string docs = h.Run({"command", "docs", "get"});
  CHECK(docs ==
        "*2\r\n$3\r\nget\r\n*10\r\n$7\r\nsummary\r\n$22\r\nGet the value of a key\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n"
        "$5\r\ngroup\r\n$6\r\nstring\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n*6\r\n"
        "$4\r\nname\r\n$3\r\nkey\r\n$4\r\ntype\r\n$3\r\nkey\r\n$14\r\nkey_spec_index\r\n:0\r\n");
  // A command redrock does not run yet is not described.
  CHECK(h.Run({"command", "docs", "monitor"}) == "*0\r\n");
  CHECK(h.Run({"command", "info", "monitor"}) == "*1\r\n$-1\r\n");
}

}  // namespace
}  // namespace redrock::server
