// The admission chain (server/core/admission.h): the rules the features register, in Redis's
// processCommand order, and a rule added from outside the core refusing a command as Redis's
// rejectCommand does (counted as a rejected call, poisoning a MULTI it is refused in).

#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "server/commands/families.h"
#include "server/core/command_table.h"
#include "server/core/server_state.h"
#include "tests/support/command_harness.h"
#include "tests/support/resp_builders.h"

namespace redrock::server {
namespace {

using namespace ::redrock::testing::resp;
using testing::CommandHarness;

std::vector<std::string> Names(const std::vector<AdmissionRule>& rules) {
  std::vector<std::string> names;
  for (const AdmissionRule& rule : rules) names.emplace_back(rule.name);
  return names;
}

TEST_CASE("the admission rules run in Redis's processCommand order", "[admission]") {
  CommandHarness h;
  CHECK(Names(h.table().admission_rules(AdmissionStage::kBeforeQueue)) ==
        std::vector<std::string>{"lookup", "auth", "no-multi", "subscribed-mode", "maxmemory-in-multi",
                                 "disk-error", "busy-script", "multi-queue", "defer-script"});
  CHECK(Names(h.table().admission_rules(AdmissionStage::kUnderGate)) == std::vector<std::string>{"maxmemory"});
}

// A feature's rule: refuses GET of the key "secret" (a stand-in for an ACL key pattern).
Verdict RefuseSecret(AdmissionContext& ctx) {
  if (ctx.spec->name == "get" && ctx.argv.size() == 2 && ctx.argv[1] == "secret") {
    return Refuse(ctx, "NOPERM this user has no permissions to access the 'secret' key");
  }
  return Verdict::kAdmit;
}

// A rule that must never see a command: one that an earlier rule answered.
int g_late_rule_calls = 0;
Verdict CountLate(AdmissionContext&) {
  ++g_late_rule_calls;
  return Verdict::kAdmit;
}

TEST_CASE("a rule registered by a feature refuses before queueing and counts the rejection", "[admission]") {
  CommandHarness h;
  CommandTable table;
  RegisterAllCommands(table);
  table.AddAdmissionRule({"test-secret", AdmissionStage::kBeforeQueue, kOrderAuth + 50, RefuseSecret});
  table.AddAdmissionRule({"test-late", AdmissionStage::kBeforeQueue, kOrderDeferScript + 1, CountLate});
  REQUIRE(table.admission_rules(AdmissionStage::kBeforeQueue)[2].name == std::string("test-secret"));
  g_late_rule_calls = 0;
  auto run = [&](std::vector<std::string> args) {
    std::string out;
    protocol::ReplyWriter reply(&out, 2);
    std::vector<std::string_view> argv(args.begin(), args.end());
    table.Dispatch(h.client(), h.state(), reply, argv);
    return out;
  };
  const std::string denied = Err("NOPERM this user has no permissions to access the 'secret' key");
  CHECK(run({"set", "secret", "v"}) == kOk);
  CHECK(g_late_rule_calls == 1);
  CHECK(run({"get", "secret"}) == denied);
  CHECK(g_late_rule_calls == 1);  // answered: no later rule ran
  CHECK(run({"get", "public"}) == kNil);
  CHECK(run({"multi"}) == kOk);
  CHECK(run({"get", "secret"}) == denied);
  CHECK(run({"get", "public"}) == "+QUEUED\r\n");
  CHECK(run({"exec"}) == Err("EXECABORT Transaction discarded because of previous errors."));
  const std::string stats = BulkBody(run({"info", "commandstats"}));
  CHECK(stats.find("cmdstat_get:calls=1,") != std::string::npos);
  CHECK(stats.find(",rejected_calls=2,failed_calls=0\r\n") != std::string::npos);
  CHECK(BulkBody(run({"info", "errorstats"})).find("errorstat_NOPERM:count=2\r\n") != std::string::npos);
}

}  // namespace
}  // namespace redrock::server
