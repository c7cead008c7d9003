// rocm_notice: the libdnf5 plugin (dnf5) of rocm-epel-notice.
//
// A thin front door, like libdnf's (libdnf-plugin/rocm_notice.cpp): at dnf5's hooks it
// hands what dnf5 holds in memory to the Python helper (rocm_notice/frontends/native/
// helper.py; protocol version 1 in native/PROTOCOL.md, spoken by native/helper_client.hpp)
// and does what the answer says. Nothing is decided here.
//
// - repos_loaded (dnf5 has loaded its repositories and applied its excludes): only where
//   a configuration file says anything but warn (a lock's hold can come of it), and the
//   command does more than fetch packages (only_fetches): the helper works out the hold,
//   which is added to dnf5's own package set as user excludes, before the goal is
//   resolved. disable_excludes (main or *) lifts it, as it lifts excludepkgs: the gate
//   then refuses what the hold would have kept.
// - goal_resolved (before the transaction table and the prompt): the helper gets the
//   transaction's packages with their provides, requires and source packages, the
//   installed packages and the compat names on offer, so it reads no metadata. On a
//   system whose policy is warn everywhere it runs only for a transaction that may move
//   ROCm (the names file). Its lines go to stderr; a refusal is thrown: dnf5 prints it
//   and exits 1 with nothing changed.
// - pre_transaction (just before rpm runs): the gate, for a transaction that is not the
//   one the last gate let through: one whose command looked as if it only fetches
//   packages (only_fetches: `dnf5 download --resolve` resolves one goal a package, and is
//   neither held nor judged, as `dnf download` on dnf 4), one refused and run again, or,
//   through the API, another goal's.
// - post_transaction: the report written for the transaction says it was applied, once
//   every incoming package of it is in place.
//
// When the helper cannot answer (missing, crashed, silent): one line, and the transaction
// goes on -- unless policy says lock or block (as the helper said earlier, or, when it
// never answered, as the configuration files say), then it is refused.
//
// PackageKit's dnf5 backend loads the plugin inside packagekitd (a libdnf5 Base at start
// and after every transaction). It resolves goals to list, preview and download updates,
// which are no transaction: there the plugin judges at pre_transaction only, as libdnf's
// plugin judges PackageKit's, and the helper words its lines for packagekitd.

#include <libdnf5/base/base.hpp>
#include <libdnf5/base/transaction.hpp>
#include <libdnf5/base/transaction_package.hpp>
#include <libdnf5/conf/config_main.hpp>
#include <libdnf5/plugin/iplugin.hpp>
#include <libdnf5/repo/repo.hpp>
#include <libdnf5/repo/repo_query.hpp>
#include <libdnf5/rpm/package.hpp>
#include <libdnf5/rpm/package_query.hpp>
#include <libdnf5/rpm/package_sack.hpp>
#include <libdnf5/rpm/reldep_list.hpp>
#include <libdnf5/transaction/transaction_item_action.hpp>
#include <rpm/rpmdb.h>
#include <rpm/rpmts.h>

#include <algorithm>
#include <cstring>
#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>
#include <vector>

#include "../native/helper_client.hpp"

extern char *program_invocation_short_name;

namespace {

using libdnf5::rpm::Package;
using libdnf5::transaction::TransactionItemAction;

constexpr const char *PLUGIN_NAME = "rocm_notice";
constexpr libdnf5::plugin::Version PLUGIN_VERSION{1, 0, 0};
// goal_resolved came with the plugin API 2.1 (dnf5 5.2.10)
constexpr libdnf5::PluginAPIVersion PLUGIN_API_VERSION{.major = 2, .minor = 1};
constexpr const char *ATTRIBUTES[]{"description", nullptr};
constexpr const char *ATTRIBUTE_VALUES[]{
    "rocm-epel-notice: the ROCm release-line notice, hold and block"};

// Whether the plugin runs inside packagekitd (PackageKit's dnf5 backend).
bool in_packagekitd()
{
    return strcmp(program_invocation_short_name, "packagekitd") == 0;
}

// How to go on without the plugin (the refusal says it when the helper cannot answer; the
// helper's own refusals say it too): dnf5 leaves it out for one run; packagekitd loads it
// with each Base it sets up, so there it is disabled, and packagekitd restarted.
const char *remedy()
{
    if (in_packagekitd())
        return "set enabled = 0 in /etc/dnf/libdnf5-plugins/rocm_notice.conf and restart "
               "packagekitd (systemctl restart packagekit)";
    return "run dnf5 with --disable-plugin=rocm_notice for this one run";
}

// A refusal: dnf5 prints its text and exits 1, nothing changed.
struct Refusal : std::runtime_error {
    explicit Refusal(const std::string &message) : std::runtime_error(message) {}
};

// -- the request: JSON ------------------------------------------------------------------

// ``"key":[...],`` from ``deps``; ``sonames``: only those that can name one.
void json_deps(std::string &out, const char *key, const libdnf5::rpm::ReldepList &deps,
               bool sonames = false)
{
    json_string(out, key);
    out += ":[";
    bool first = true;
    for (const auto &dep : deps) {
        std::string text = dep.to_string();
        if (sonames && !names_a_soname(text.c_str()))
            continue;
        if (!first)
            out += ',';
        first = false;
        json_string(out, text.c_str());
    }
    out += "],";
}

// Who a package is: its NEVRA and its source RPM (new subpackages are known by it).
void json_identity(std::string &out, const Package &pkg)
{
    json_key(out, "name", pkg.get_name().c_str());
    std::string epoch = pkg.get_epoch();
    out += "\"epoch\":" + std::to_string(epoch.empty() ? 0 : atol(epoch.c_str())) + ',';
    json_key(out, "version", pkg.get_version().c_str());
    json_key(out, "release", pkg.get_release().c_str());
    json_key(out, "arch", pkg.get_arch().c_str());
    json_key(out, "sourcerpm", pkg.get_sourcerpm().c_str());
}

// Which way a transaction's package goes: "in", "out", or nullptr (a reason change,
// nothing installed or removed).
const char *direction_of(TransactionItemAction action)
{
    switch (action) {
    case TransactionItemAction::INSTALL:
    case TransactionItemAction::UPGRADE:
    case TransactionItemAction::DOWNGRADE:
    case TransactionItemAction::REINSTALL:
        return "in";
    case TransactionItemAction::REMOVE:
    case TransactionItemAction::REPLACED:
        return "out";
    default:
        return nullptr;
    }
}

// The transaction's packages, each once (a package replaced by several is one leaving):
// ``visit(package, direction, action)``.
template <typename Visit>
void each_item(const libdnf5::base::Transaction &transaction, Visit visit)
{
    std::set<std::string> leaving;
    for (const auto &item : transaction.get_transaction_packages()) {
        const char *direction = direction_of(item.get_action());
        if (!direction)
            continue;
        Package pkg = item.get_package();
        if (strcmp(direction, "out") == 0 && !leaving.insert(pkg.get_nevra()).second)
            continue;
        std::string action = libdnf5::transaction::transaction_item_action_to_string(
            item.get_action());
        std::transform(action.begin(), action.end(), action.begin(),
                       [](unsigned char c) { return (char)tolower(c); });
        visit(pkg, direction, action);
    }
}

// Whether a transaction's package may be ROCm's: the names file knows it, or it comes
// in and obsoletes a package (it may take a ROCm package's place).
bool may_be_rocm(const Names &known, const Package &pkg, const char *direction)
{
    return names_know(known, pkg.get_name().c_str(), pkg.get_version().c_str(),
                      pkg.get_sourcerpm().c_str()) ||
           (strcmp(direction, "in") == 0 && !pkg.get_obsoletes().empty());
}

// A transaction's package: whole where it may be ROCm's (``NamesFilter``), else who it
// is and, coming in, the requires that can name a soname.
void json_package(std::string &out, const Package &pkg, const char *direction,
                  const std::string &action, const NamesFilter &filter)
{
    bool whole = filter.every || may_be_rocm(filter.known, pkg, direction);
    out += '{';
    json_key(out, "direction", direction);
    json_key(out, "action", action.c_str());
    json_identity(out, pkg);
    json_key(out, "repoid", pkg.get_repo_id().c_str());
    if (whole) {
        json_deps(out, "provides", pkg.get_provides());
        json_deps(out, "obsoletes", pkg.get_obsoletes());
    }
    if (strcmp(direction, "in") == 0)       // for consumers of a new line
        json_deps(out, "requires", pkg.get_requires(), !whole);
    close_object(out);
}

// An installed package, as the analysis reads it: its NEVRA, source RPM and the provides
// that can name a soname (``names_a_soname``).
void json_installed(std::string &out, const Package &pkg)
{
    out += '{';
    json_identity(out, pkg);
    json_deps(out, "provides", pkg.get_provides(), true);
    close_object(out);
}

// What dnf5's own package set says, so that the helper loads no metadata and no rpmdb
// of its own: the installed packages that may be ROCm's (``NamesFilter``; excludes
// do not apply to them), and the names of the available packages that look like compat
// ones (<name>X.Y: the notice offers them to keep an old line beside the new one).
void json_sack(std::string &out, libdnf5::Base &base, const NamesFilter &filter)
{
    libdnf5::rpm::PackageQuery installed(base, libdnf5::sack::ExcludeFlags::IGNORE_EXCLUDES);
    installed.filter_installed();
    out += "\"installed\":[";
    bool first = true;
    for (const auto &pkg : installed) {
        if (!filter.wanted(pkg.get_name().c_str(), pkg.get_version().c_str(),
                           pkg.get_sourcerpm().c_str()))
            continue;
        if (!first)
            out += ',';
        first = false;
        json_installed(out, pkg);
    }
    libdnf5::rpm::PackageQuery compat(base);
    compat.filter_available();
    compat.filter_name(std::vector<std::string>{"*[0-9].[0-9]*"}, libdnf5::sack::QueryCmp::GLOB);
    std::set<std::string> names;
    for (const auto &pkg : compat)
        names.insert(pkg.get_name());
    out += "],";
    json_strings(out, "compat_available", names);
}

// Where the helper's second, read-only sack finds what dnf5 reads (a lock's hold): the
// configuration file only where one was given (otherwise the sack finds the same as
// dnf5, in the install root or on the host), the repositories dnf5 has enabled now
// (--enablerepo, --disablerepo and --repo included), with the base URLs of those no file
// defines (--repofrompath), the cache and the variables.
void json_base(std::string &out, libdnf5::Base &base)
{
    auto &config = base.get_config();
    auto &config_file = config.get_config_file_path_option();
    out += "\"base\":{";
    json_key(out, "config_file", config_file.get_priority() >=
             libdnf5::Option::Priority::COMMANDLINE ? config_file.get_value().c_str() : "");
    json_key(out, "cachedir", config.get_cachedir_option().get_value().c_str());
    out += std::string("\"use_host_config\":") +
           (config.get_use_host_config_option().get_value() ? "true" : "false") + ',';
    json_strings(out, "reposdirs", config.get_reposdir_option().get_value());
    std::vector<std::string> enabled;
    std::string from_paths = "\"repos_from_paths\":{";    // {id: [base URL, ...]}
    std::string overrides = "\"repo_urls\":{";           // {id: {option: value(s)}}
    libdnf5::repo::RepoQuery repos(base);
    repos.filter_enabled(true);
    for (const auto &repo : repos) {
        if (repo->get_type() != libdnf5::repo::Repo::Type::AVAILABLE)
            continue;
        enabled.push_back(repo->get_id());
        auto &repo_config = repo->get_config();
        if (repo->get_repo_file_path().empty()) {
            json_strings(from_paths, repo->get_id().c_str(),
                         repo_config.get_baseurl_option().get_value());
            continue;
        }
        // Where a repository's file is overridden on the command line (--setopt=ID.baseurl
        // and the like): its metadata is cached under those URLs, which no file says.
        auto &baseurl = repo_config.get_baseurl_option();
        auto &metalink = repo_config.get_metalink_option();
        auto &mirrorlist = repo_config.get_mirrorlist_option();
        auto given = libdnf5::Option::Priority::COMMANDLINE;
        if (baseurl.get_priority() < given && metalink.get_priority() < given &&
            mirrorlist.get_priority() < given)
            continue;
        json_string(overrides, repo->get_id().c_str());
        overrides += ":{";
        json_strings(overrides, "baseurl", baseurl.get_value());
        json_key(overrides, "metalink", metalink.empty() ? "" : metalink.get_value().c_str());
        json_key(overrides, "mirrorlist",
                 mirrorlist.empty() ? "" : mirrorlist.get_value().c_str());
        close_object(overrides);
        overrides += ',';
    }
    json_strings(out, "repos", enabled);
    close_object(from_paths);
    out += from_paths + ',';
    close_object(overrides);
    out += overrides + ',';
    out += "\"vars\":{";
    bool first = true;
    auto vars = base.get_vars();
    for (const char *name : {"releasever", "basearch", "arch"}) {
        if (!vars->contains(name))
            continue;
        if (!first)
            out += ',';
        first = false;
        json_string(out, name);
        out += ':';
        json_string(out, vars->get_value(name).c_str());
    }
    out += "}},";
}

// Whether the command only fetches packages: dnf5's commands set destdir for `dnf5
// download` (`--resolve` resolves one goal a package, only to list what to fetch; its
// --destdir too) and `reposync`, and set downloadonly where a command that installs was
// asked only to download. Such a command changes nothing on the system: as `dnf
// download` on dnf 4, where no hook of ours runs, it is neither held nor judged. Only a
// destdir that a command set counts (its default, its plugin default, the command line):
// one in dnf.conf, dnf5-automatic's or an API caller's (Ansible sets it for every
// transaction) is no sign. A command that sets destdir and does run its transaction
// (`dnf5 manifest install`, `--setopt=destdir=...` on `distro-sync`) is judged at
// pre_transaction instead.
bool only_fetches(libdnf5::Base &base)
{
    using Priority = libdnf5::Option::Priority;
    auto &config = base.get_config();
    Priority set_by = config.get_destdir_option().get_priority();
    bool by_command = set_by == Priority::DEFAULT || set_by == Priority::PLUGINDEFAULT ||
                      set_by == Priority::COMMANDLINE;
    return by_command && !config.get_downloadonly_option().get_value();
}

// Which transaction a gate judged: its packages (ids in dnf5's package set) and actions.
using Fingerprint = std::vector<std::pair<int, int>>;

Fingerprint fingerprint(const libdnf5::base::Transaction &transaction)
{
    Fingerprint found;
    for (const auto &item : transaction.get_transaction_packages())
        found.emplace_back(item.get_package().get_id().id, static_cast<int>(item.get_action()));
    return found;
}

// A transaction's gate: the transaction, which of its packages the request carries whole
// (``NamesFilter``, read once a gate), and whether it is just before rpm runs, any
// prompt answered (``late``).
struct Gate {
    const libdnf5::base::Transaction &transaction;
    const NamesFilter &filter;
    bool late;
};

// Whether dnf5 was told to apply no excludes (disable_excludes: "*" or "main").
bool excludes_disabled(libdnf5::Base &base)
{
    for (const auto &which : base.get_config().get_disable_excludes_option().get_value())
        if (which == "*" || which == "main")
            return true;
    return false;
}

class RocmNotice final : public libdnf5::plugin::IPlugin2_1 {
public:
    RocmNotice(libdnf5::plugin::IPluginData &data, libdnf5::ConfigParser &)
        : IPlugin2_1(data) {}

    libdnf5::PluginAPIVersion get_api_version() const noexcept override { return PLUGIN_API_VERSION; }
    const char *get_name() const noexcept override { return PLUGIN_NAME; }
    libdnf5::plugin::Version get_version() const noexcept override { return PLUGIN_VERSION; }
    const char *const *get_attributes() const noexcept override { return ATTRIBUTES; }
    const char *get_attribute(const char *name) const noexcept override
    {
        for (size_t i = 0; ATTRIBUTES[i]; ++i)
            if (strcmp(name, ATTRIBUTES[i]) == 0)
                return ATTRIBUTE_VALUES[i];
        return nullptr;
    }

    void repos_loaded() override
    {
        guarded("conf", [&] {
            read_configuration();
            // Only where a configuration file says anything but warn (the fallback rule)
            // can a hold come of it: elsewhere no helper runs before the gate, and the
            // gate says what set-up would have said of the configuration (conf_asked).
            bool fetching = only_fetches(get_base());
            conf_asked = strict && !fetching;
            if (strict) {   // what a refusal at the gate says of a hold that is not there
                unheld = fetching ? "destdir" : "";
                if (excludes_disabled(get_base()))
                    unheld += unheld.empty() ? "disable_excludes" : ",disable_excludes";
            }
            if (conf_asked)
                run_hook("conf");
        });
    }

    void goal_resolved(const libdnf5::base::Transaction &transaction) override
    {
        guarded("pre_transaction", [&] {
            forget_last_gate();     // another goal: what the last gate left is not its
            read_configuration();
            if (only_fetches(get_base()) || in_packagekitd())
                return;     // no transaction yet: judged at pre_transaction if it comes
            gate(transaction, false);
            judged = fingerprint(transaction);  // judged and let through: a refused one, run
                                                // again, is judged again
        });
    }

    void pre_transaction(const libdnf5::base::Transaction &transaction) override
    {
        guarded("pre_transaction", [&] {
            Fingerprint running = fingerprint(transaction);
            if (judged && *judged == running)
                return;
            // Not the transaction the last gate judged: a command that looked as if it only
            // fetches runs one after all, or an API caller runs another goal's.
            forget_last_gate();
            gate(transaction, true);
            judged = std::move(running);
        });
    }

    void post_transaction(const libdnf5::base::Transaction &transaction) override
    {
        guarded("transaction", [&] {
            if (!report_pending || !applied(transaction)) {
                waiting.end();
                return;
            }
            report_pending = false;
            run_hook("transaction");    // rpm has run: the report says so
        });
    }

private:
    std::string confdir;
    bool strict = false;            // a configuration file says lock or block (the fallback rule)
    bool conf_asked = false;        // the helper was asked at set-up (said the config's problems)
    int lock_at_setup = 0;          // a lock in force at set-up: 1, 0 none, -1 unknown
                                    // (set-up asked the helper, which did not answer)
    std::optional<Fingerprint> judged;  // the transaction the last gate let through, if any
    std::string unheld;             // why a lock's hold is not in dnf5's package set, if so
                                    // ("destdir", "disable_excludes", or both, with a comma)
    Fallback fallback;              // the policy as last said; a failure said once per run
    bool report_pending = false;    // the last answer wrote a report this transaction applies
    Helper waiting;                 // the gate's helper, waiting for the transaction's request

    std::string installroot() const
    {
        return get_base().get_config().get_installroot_option().get_value();
    }

    // <install root>/etc/dnf/plugins, as dnf 4 reads it (ROCM_NOTICE_CONFDIR overrides it,
    // for diagnosis).
    std::string configuration_directory() const
    {
        const char *dir = getenv("ROCM_NOTICE_CONFDIR");
        if (dir && *dir)
            return dir;
        std::string root = installroot();
        return (root == "/" ? "" : root) + "/etc/dnf/plugins";
    }

    // The configuration directory, and whether it says lock or block, read once (at
    // repos_loaded, or at the first goal where no repositories were loaded).
    void read_configuration()
    {
        if (!confdir.empty())
            return;
        confdir = configuration_directory();
        strict = config_says_safety(confdir);
    }

    // What the last gate left (its report to apply, its helper waiting, the transaction it
    // let through) belongs to no transaction to come.
    void forget_last_gate()
    {
        report_pending = false;
        waiting.end();
        judged.reset();
    }

    // The gate: the helper judges the transaction (the notice, or a refusal) where the
    // policy is not warn everywhere, or where the transaction may move ROCm.
    // ``late``: just before rpm runs, any prompt answered.
    void gate(const libdnf5::base::Transaction &transaction, bool late)
    {
        NamesFilter filter(confdir);
        if (strict || may_move_rocm(transaction, filter)) {
            Gate asked{transaction, filter, late};
            run_hook("pre_transaction", &asked);
        }
    }

    // Whether the transaction may move ROCm: on a system whose policy is warn everywhere,
    // the helper runs only for one with a package the names file knows, or a
    // replacement. Without a readable names file, or with the admin's own names
    // (include), every transaction is asked about (``filter.every``).
    static bool may_move_rocm(const libdnf5::base::Transaction &transaction,
                              const NamesFilter &filter)
    {
        if (filter.every)
            return true;
        bool found = false;
        each_item(transaction, [&](const Package &pkg, const char *direction, const std::string &) {
            found = found || may_be_rocm(filter.known, pkg, direction);
        });
        return found;
    }

    // Whether the transaction is on the system: post_transaction runs after a failed rpm
    // transaction too, and libdnf5 keeps no per-package result there, so each incoming
    // package is looked up in the rpmdb (as rpm -q does).
    bool applied(const libdnf5::base::Transaction &transaction) const
    {
        rpmts ts = rpmtsCreate();
        rpmtsSetRootDir(ts, installroot().c_str());
        bool all = true;
        for (const auto &item : transaction.get_transaction_packages()) {
            if (!all)
                break;
            const char *direction = direction_of(item.get_action());
            if (!direction || strcmp(direction, "in") != 0)
                continue;
            std::string label = item.get_package().get_nevra();
            rpmdbMatchIterator found = rpmtsInitIterator(ts, RPMDBI_LABEL, label.c_str(), 0);
            all = found && rpmdbNextIterator(found) != nullptr;
            rpmdbFreeIterator(found);
        }
        rpmtsFree(ts);
        return all;
    }

    std::string request_for(const char *hook, const Gate *gate)
    {
        auto &base = get_base();
        auto vars = base.get_vars();
        std::string release = vars->contains("releasever") ? vars->get_value("releasever") : "";
        std::string out = "{\"protocol\":" + std::to_string(PROTOCOL) + ',';
        json_key(out, "hook", hook);
        json_key(out, "installroot", installroot().c_str());
        json_key(out, "confdir", confdir.c_str());
        json_key(out, "releasever", release.c_str());
        json_key(out, "program", program_invocation_short_name);
        out += std::string("\"assumeyes\":") +
               (base.get_config().get_assumeyes_option().get_value() ? "true" : "false") + ',';
        if (base.get_config().get_downloadonly_option().get_value())
            out += "\"downloadonly\":true,";
        if (strcmp(hook, "transaction") != 0)
            json_base(out, base);
        if (gate) {
            if (!conf_asked)    // set-up was not asked: the gate says the problems
                out += "\"conf_asked\":false,";
            if (lock_at_setup == 0)     // no lock in force when the package set was set up
                out += "\"lock_at_setup\":false,";
            if (gate->late)
                out += "\"late\":true,";
            if (!unheld.empty())
                json_key(out, "unheld", unheld.c_str());
            bool first = true;
            out += "\"items\":[";
            each_item(gate->transaction, [&](const Package &pkg, const char *direction,
                                             const std::string &action) {
                if (!first)
                    out += ',';
                first = false;
                json_package(out, pkg, direction, action, gate->filter);
            });
            out += "],";
            json_sack(out, base, gate->filter);
        }
        out += "\"end\":true}";
        return out;
    }

    // The hold: the exact NEVRAs the helper gave, as user excludes of dnf5's package set,
    // of what repositories offer only. An installed package of the same NEVRA (a newer
    // line taken before the lock) stays visible: excluded, it could be neither removed nor
    // reinstalled, as dnf 4's hold, which excludes available packages, never does.
    void hold(const std::vector<std::string> &patterns)
    {
        auto &base = get_base();
        if (patterns.empty() || excludes_disabled(base))
            return;
        libdnf5::rpm::PackageQuery held(base, libdnf5::sack::ExcludeFlags::IGNORE_EXCLUDES);
        held.filter_nevra(patterns);
        held.filter_available();
        base.get_rpm_package_sack()->add_user_excludes(held);
    }

    // Ask the helper about this hook and carry out its answer.
    void run_hook(const char *hook, const Gate *gate = nullptr)
    {
        // The gate's helper may wait for the transaction's request (``Helper``), and
        // answers only that.
        bool after = strcmp(hook, "transaction") == 0;
        std::string files = fallback.asking(confdir);
        Answer answer = ask(request_for(hook, gate), "dnf5", after ? &waiting : nullptr,
                            gate ? &waiting : nullptr);
        for (const auto &line : answer.messages)
            fprintf(stderr, "%s\n", line.c_str());
        fflush(stderr);
        fallback.heard(answer.fail_closed, files);
        if (strcmp(hook, "conf") == 0)
            lock_at_setup = answer.ok ? answer.holds : -1;
        if (!answer.ok) {
            std::string refusal = fallback.no_answer(answer.problem, confdir, gate != nullptr,
                                                     strcmp(hook, "transaction") == 0, remedy());
            if (!refusal.empty())
                throw Refusal(refusal);
            return;
        }
        report_pending = answer.report_written;
        if (answer.has_excludes && strcmp(hook, "conf") == 0)
            hold(answer.excludes);
        if (!answer.refuse.empty())
            throw Refusal(answer.refuse);
    }

    // Run one hook's work: a refusal leaves (at the gate); any other failure (out of
    // memory, a query that throws...) is one line, and at the gate, where policy says
    // lock or block, a refusal too. Nothing else may leave: dnf5 would print it as its
    // own error and stop.
    template <typename Work>
    void guarded(const char *hook, Work work)
    {
        try {
            work();
        } catch (const Refusal &) {
            throw;
        } catch (const std::exception &problem) {
            std::string refusal = fallback.no_answer(
                problem.what(), confdir, strcmp(hook, "pre_transaction") == 0,
                strcmp(hook, "transaction") == 0, remedy());
            if (!refusal.empty())
                throw Refusal(refusal);
        }
    }
};

std::exception_ptr last_exception;

}  // namespace

libdnf5::PluginAPIVersion libdnf_plugin_get_api_version(void)
{
    return PLUGIN_API_VERSION;
}

const char *libdnf_plugin_get_name(void)
{
    return PLUGIN_NAME;
}

libdnf5::plugin::Version libdnf_plugin_get_version(void)
{
    return PLUGIN_VERSION;
}

libdnf5::plugin::IPlugin *libdnf_plugin_new_instance(
    [[maybe_unused]] libdnf5::LibraryVersion library_version,
    libdnf5::plugin::IPluginData &data, libdnf5::ConfigParser &parser) try {
    return new RocmNotice(data, parser);
} catch (...) {
    last_exception = std::current_exception();
    return nullptr;
}

void libdnf_plugin_delete_instance(libdnf5::plugin::IPlugin *plugin)
{
    delete plugin;
}

std::exception_ptr *libdnf_plugin_get_last_exception(void)
{
    return &last_exception;
}
